/// A JSON object whose members keep their input order.
///
/// Parsed objects never hold two members with the same key (the parser refuses
/// duplicates); keys compare byte for byte. Equality ignores member order, as
/// JSON (and PostgreSQL `jsonb`) does.
public struct JSONObject: Sendable, Equatable {
    /// The members, in input order.
    public var pairs: [(key: String, value: JSONValue)]

    /// An object with the given members, in the given order. The caller promises
    /// the keys are unique; lookups return the first match otherwise.
    public init(_ pairs: [(key: String, value: JSONValue)] = []) {
        self.pairs = pairs
    }

    /// The value of the member named `key` (compared byte for byte), or nil.
    public subscript(key: String) -> JSONValue? {
        for pair in pairs where JSONText.sameBytes(pair.key, key) {
            return pair.value
        }
        return nil
    }

    /// The keys, in input order.
    public var keys: [String] { pairs.map(\.key) }

    /// The number of members.
    public var count: Int { pairs.count }

    /// True when both objects have the same keys with equal values, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.pairs.count == rhs.pairs.count else { return false }
        // Fast path: the same order, as when the same text is parsed twice.
        var sameOrder = true
        for (l, r) in zip(lhs.pairs, rhs.pairs) where !JSONText.sameBytes(l.key, r.key) {
            sameOrder = false
            break
        }
        if sameOrder {
            return zip(lhs.pairs, rhs.pairs).allSatisfy { $0.value == $1.value }
        }
        for pair in lhs.pairs {
            guard let other = rhs[pair.key], other == pair.value else { return false }
        }
        return true
    }
}
