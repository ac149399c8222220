// Not `indirect`: arrays and objects already hold their elements on the heap,
// and boxing every scalar value would cost an allocation per value.

/// A JSON document as parsed by `JSONValue.parse(_:)`:
/// object keys keep their input order and number literals keep their exact text,
/// so that what is serialized again is what the sender wrote, minus whitespace.
///
/// Equality is JSON equality: strings and keys compare byte for byte (not by
/// Unicode canonical equivalence, the way PostgreSQL `jsonb` compares them),
/// numbers compare by their literal text, and object key order does not matter.
public enum JSONValue: Sendable, Equatable {
    /// The literal `null`.
    case null
    /// The literals `true` and `false`.
    case bool(Bool)
    /// A number, as the literal written in the input (valid per RFC 8259, at most
    /// ``JSONLimits/maxNumberLength`` characters), e.g. `1.50`, `1e40`, `-0`.
    case number(String)
    /// A string, escapes resolved; never contains NUL or lone surrogates when parsed.
    case string(String)
    /// An array, elements in input order.
    case array([JSONValue])
    /// An object, keys unique and in input order.
    case object(JSONObject)

    /// True for equal JSON values (see the type's documentation for what "equal" means).
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null):
            return true
        case let (.bool(a), .bool(b)):
            return a == b
        case let (.number(a), .number(b)):
            return JSONText.sameBytes(a, b)
        case let (.string(a), .string(b)):
            return JSONText.sameBytes(a, b)
        case let (.array(a), .array(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0 == $1 }
        case let (.object(a), .object(b)):
            return a == b
        default:
            return false
        }
    }

    /// The JSON type name of this value (`null`, `boolean`, `number`, `string`,
    /// `array`, `object`), for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}
