import Foundation
import Hummingbird
import Ledger
import Projections

/// Typed access to a request's query string. Unknown parameters, repeated
/// ones and malformed values are refused (400) with the parameter named.
struct QueryParameters {
    private var values: [String: String] = [:]

    init(_ request: Request, allowed: Set<String>) throws(APIError) {
        for (key, value) in request.uri.queryParameters {
            let name = String(key)
            guard allowed.contains(name) else {
                let known = allowed.sorted().joined(separator: ", ")
                throw APIError.badRequest("unknown query parameter '\(name)'" + (known.isEmpty ? "; this endpoint takes none" : "; known: \(known)"), parameter: name)
            }
            guard values[name] == nil else {
                throw APIError.badRequest("query parameter '\(name)' given more than once", parameter: name)
            }
            values[name] = String(value)
        }
    }

    func string(_ name: String) throws(APIError) -> String? {
        guard let value = values[name] else { return nil }
        guard !value.isEmpty else { throw APIError.badRequest("query parameter '\(name)' is empty", parameter: name) }
        return value
    }

    func int(_ name: String, min: Int = 0, max: Int = Int.max) throws(APIError) -> Int? {
        guard let text = values[name] else { return nil }
        // Int(_:) also takes "+5"; the API's integers are plain decimals.
        guard Self.isDecimal(text.first == "-" ? text.dropFirst() : Substring(text)),
              let value = Int(text), value >= min, value <= max else {
            let range = max == Int.max ? "an integer >= \(min)" : "an integer from \(min) to \(max)"
            throw APIError.badRequest("query parameter '\(name)' must be \(range), got '\(text)'", parameter: name)
        }
        return value
    }

    /// True for one or more ASCII digits and nothing else.
    static func isDecimal(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    func bool(_ name: String) throws(APIError) -> Bool {
        guard let text = values[name] else { return false }
        switch text {
        case "true", "1": return true
        case "false", "0": return false
        default: throw APIError.badRequest("query parameter '\(name)' must be true or false, got '\(text)'", parameter: name)
        }
    }

    /// The earliest and latest times the ledger prints so that PostgreSQL
    /// reads them back (years 1 to 9999, UTC). Every event lies between them,
    /// so a time outside is clamped to them without changing any answer.
    static let earliestTime = Date(timeIntervalSince1970: -62_135_596_800)  // 0001-01-01T00:00:00Z
    static let latestTime = Date(timeIntervalSince1970: 253_402_300_799)    // 9999-12-31T23:59:59Z

    /// An RFC 3339 time (`T` and `Z` in either case, as RFC 3339 allows).
    func time(_ name: String) throws(APIError) -> Date? {
        guard let text = try string(name) else { return nil }
        do {
            return min(max(try Timestamps.parse(text.uppercased()), Self.earliestTime), Self.latestTime)
        } catch {
            throw APIError.badRequest("query parameter '\(name)': \(error.message)", parameter: name)
        }
    }

    /// `position=N` or `asOf=TIME` (not both): which point of the ledger to answer for.
    func point() throws(APIError) -> ProjectionReader.Point {
        let position = try int("position")
        let asOf = try time("asOf")
        switch (position, asOf) {
        case (.some, .some): throw APIError.badRequest("give either 'position' or 'asOf', not both", parameter: "asOf")
        case (.some(let position), nil): return .position(position)
        case (nil, .some(let time)): return .time(time)
        case (nil, nil): return .head
        }
    }
}
