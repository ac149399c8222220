import Foundation
import Hummingbird
import Ledger
import Projections

/// What the dashboard's URL asks for: a point of the ledger (`position=N` or
/// `asOf=RFC 3339`, neither for the head) and, for a one-URL sign-in, `token`.
///
/// Unlike the API's `QueryParameters`, an empty value counts as absent: the
/// time-travel form submits both of its fields, and the one left blank means
/// "not this one". Unknown and repeated parameters are still refused (400).
struct DashboardQuery: Sendable, Equatable {
    static let allowed: Set<String> = ["position", "asOf", "token"]

    var position: String?
    var asOf: String?
    var token: String?

    init(position: String? = nil, asOf: String? = nil, token: String? = nil) {
        self.position = Self.present(position)
        self.asOf = Self.present(asOf)
        self.token = Self.present(token)
    }

    /// The parameters of `request`'s query string.
    init(_ request: Request) throws(APIError) {
        var seen: Set<String> = []
        var values: [String: String] = [:]
        for (key, value) in request.uri.queryParameters {
            let name = String(key)
            guard Self.allowed.contains(name) else {
                throw APIError.badRequest(
                    "unknown query parameter '\(Self.echo(name))'; the dashboard takes position, asOf and token", parameter: name)
            }
            guard seen.insert(name).inserted else {
                throw APIError.badRequest("query parameter '\(name)' given more than once", parameter: name)
            }
            values[name] = String(value)
        }
        self.init(position: values["position"], asOf: values["asOf"], token: values["token"])
    }

    /// True when the page shows the head of the ledger (and so refreshes itself).
    var isLive: Bool { position == nil && asOf == nil }

    /// The point of the ledger to show.
    func point() throws(APIError) -> ProjectionReader.Point {
        switch (position, asOf) {
        case (.some, .some):
            throw APIError.badRequest("give either a position or a time (asOf), not both", parameter: "asOf")
        case (.some(let text), nil):
            guard let position = Int(text), position >= 0 else {
                throw APIError.badRequest("position must be an integer >= 0, got '\(Self.echo(text))'", parameter: "position")
            }
            return .position(position)
        case (nil, .some(let text)):
            do {
                return .time(try Timestamps.parse(text))
            } catch {
                throw APIError.badRequest(
                    "asOf '\(Self.echo(text))' is not an RFC 3339 time; write it like 2026-11-27T10:02:00Z", parameter: "asOf")
            }
        case (nil, nil):
            return .head
        }
    }

    /// `""` at the head, else `?position=N` or `?asOf=T`, percent-encoded:
    /// where a redirect goes back to (never the token).
    var viewQuery: String {
        var items: [String] = []
        if let position { items.append("position=" + Self.percentEncoded(position)) }
        if let asOf { items.append("asOf=" + Self.percentEncoded(asOf)) }
        return items.isEmpty ? "" : "?" + items.joined(separator: "&")
    }

    /// `value` when it holds something, nil when blank.
    private static func present(_ value: String?) -> String? {
        guard let value, !value.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        return value
    }

    /// Input echoed in a message, cut to a bounded length.
    static func echo(_ text: String) -> String {
        text.count <= DashboardLimits.maxEchoedQueryCharacters
            ? text : String(text.prefix(DashboardLimits.maxEchoedQueryCharacters)) + "…"
    }

    /// RFC 3986 unreserved characters stay; every other byte is `%XX`, so a
    /// value can never end a header line or add a parameter.
    static func percentEncoded(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                encoded += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return encoded
    }
}
