import Foundation

/// The fields of an `application/x-www-form-urlencoded` body (the sign-in
/// form): `+` is a space, `%XX` a byte, and a field given twice keeps its
/// first value. A field whose encoding is malformed is left out.
struct FormFields: Sendable {
    static let mediaType = "application/x-www-form-urlencoded"

    private var values: [String: String] = [:]

    init(parsing body: String) {
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]) else { continue }
            let value = parts.count == 2 ? Self.decode(parts[1]) : ""
            guard let value, values[name] == nil else { continue }
            values[name] = value
        }
    }

    subscript(name: String) -> String? { values[name] }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
