extension JSONValue {
    /// The member named `key` when this value is an object holding it; nil otherwise
    /// (including when this value is not an object).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let object) = self else { return nil }
        return object[key]
    }

    /// The string when this value is a string; nil otherwise.
    public var stringValue: String? {
        guard case .string(let s) = self else { return nil }
        return s
    }

    /// The object when this value is an object; nil otherwise.
    public var objectValue: JSONObject? {
        guard case .object(let o) = self else { return nil }
        return o
    }

    /// The elements when this value is an array; nil otherwise.
    public var arrayValue: [JSONValue]? {
        guard case .array(let a) = self else { return nil }
        return a
    }

    /// The boolean when this value is `true` or `false`; nil otherwise.
    public var boolValue: Bool? {
        guard case .bool(let b) = self else { return nil }
        return b
    }

    /// True exactly for `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The value of a number literal as a `Double` (the nearest one); nil for any other value.
    public var doubleValue: Double? {
        guard case .number(let literal) = self else { return nil }
        return Double(literal)
    }

    /// The value of an integer literal (`-?[0-9]+`, no fraction, no exponent) that
    /// fits in `Int`; nil for any other value, including `4.0` and `4e0`.
    public var integerValue: Int? {
        guard case .number(let literal) = self else { return nil }
        var digits = Substring(literal)
        let negative = digits.first == "-"
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        // Int(_:) parses the sign and refuses overflow.
        return Int(literal)
    }

    /// The value of a non-negative integer literal that fits in `Int32`
    /// (e.g. `expectedVersion`); anything else throws `.invalidInput` naming `field`.
    public func nonNegativeInt32(field: String) throws(LedgerError) -> Int {
        guard let value = integerValue, value >= 0, value <= Int(Int32.max) else {
            let got: String
            if case .number(let literal) = self { got = literal } else { got = typeName }
            throw LedgerError(
                .invalidInput,
                "field '\(field)' must be a non-negative integer of at most \(Int32.max), got \(got)",
                details: ["field": field])
        }
        return value
    }
}
