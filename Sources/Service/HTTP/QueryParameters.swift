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
        guard let value = Int(text), value >= min, value <= max else {
            let range = max == Int.max ? "an integer >= \(min)" : "an integer from \(min) to \(max)"
            throw APIError.badRequest("query parameter '\(name)' must be \(range), got '\(text)'", parameter: name)
        }
        return value
    }

    func bool(_ name: String) throws(APIError) -> Bool {
        guard let text = values[name] else { return false }
        switch text {
        case "true", "1": return true
        case "false", "0": return false
        default: throw APIError.badRequest("query parameter '\(name)' must be true or false, got '\(text)'", parameter: name)
        }
    }

    func time(_ name: String) throws(APIError) -> Date? {
        guard let text = try string(name) else { return nil }
        do {
            return try Timestamps.parse(text)
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
