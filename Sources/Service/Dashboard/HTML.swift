/// A fragment of HTML that is safe to send: literal markup written in the
/// code, with every interpolated `String` escaped.
///
/// `"<td>\(name)</td>" as HTML` escapes `name`; only another `HTML` value is
/// inserted as markup. User-controlled text (instance, workflow and stream
/// names, event data, metadata, query values) therefore cannot become markup
/// unless a programmer explicitly wraps it in `HTML(unescaped:)`, which the
/// dashboard never does.
struct HTML: Sendable, Equatable, ExpressibleByStringInterpolation {
    /// The markup, ready to send.
    private(set) var rendered: String

    /// Literal markup from the source code.
    init(stringLiteral literal: String) {
        rendered = literal
    }

    init(stringInterpolation: StringInterpolation) {
        rendered = stringInterpolation.rendered
    }

    /// Markup that was built elsewhere and is already safe (static files only).
    init(unescaped markup: String) {
        rendered = markup
    }

    /// The fragments, one after another.
    init(joining fragments: [HTML], separator: HTML = "") {
        rendered = fragments.map(\.rendered).joined(separator: separator.rendered)
    }

    static let empty: HTML = ""

    static func + (lhs: HTML, rhs: HTML) -> HTML {
        HTML(unescaped: lhs.rendered + rhs.rendered)
    }

    static func += (lhs: inout HTML, rhs: HTML) {
        lhs.rendered += rhs.rendered
    }

    /// `text` with `& < > " '` replaced by character references, safe both
    /// as element content and inside a double- or single-quoted attribute.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// Builds an `HTML` value: literals verbatim, strings escaped, `HTML` as is.
    struct StringInterpolation: StringInterpolationProtocol {
        fileprivate var rendered = ""

        init(literalCapacity: Int, interpolationCount: Int) {
            rendered.reserveCapacity(literalCapacity + 16 * interpolationCount)
        }

        mutating func appendLiteral(_ literal: String) {
            rendered += literal
        }

        /// Text: always escaped.
        mutating func appendInterpolation(_ text: String) {
            rendered += HTML.escape(text)
        }

        /// Text: always escaped.
        mutating func appendInterpolation(_ text: Substring) {
            rendered += HTML.escape(String(text))
        }

        mutating func appendInterpolation(_ number: Int) {
            rendered += String(number)
        }

        /// Markup built by the same rules.
        mutating func appendInterpolation(_ html: HTML) {
            rendered += html.rendered
        }

        /// Several fragments, one after another.
        mutating func appendInterpolation(_ fragments: [HTML]) {
            for fragment in fragments { rendered += fragment.rendered }
        }
    }
}
