extension JSONValue {
    /// Parses one JSON document (RFC 8259) from `bytes`, keeping number literals
    /// verbatim and object keys in input order.
    ///
    /// Throws `.invalidInput`, with a message naming the problem and its byte
    /// offset (also in `details["offset"]`), for: empty input, invalid UTF-8
    /// anywhere, trailing data, nesting deeper than ``JSONLimits/maxDepth``, number
    /// literals longer than ``JSONLimits/maxNumberLength``, duplicate object keys,
    /// NUL (raw or `\u0000`), lone surrogate escapes, unescaped control characters
    /// in strings, and any other syntax error.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(LedgerError) -> JSONValue {
        var parser = JSONParser(bytes.assumingMemoryBound(to: UInt8.self))
        return try parser.parseDocument()
    }

    /// Parses one JSON document from `bytes` as `parse(_:)` does, and, when
    /// it is an object, the byte range in `bytes` of each member's value
    /// (in member order) whose text is already compact, byte for byte what
    /// `serialized()` would write (no whitespace between tokens, no escapes),
    /// nil for the others: such a value's text can be copied instead of
    /// written again from the parsed value.
    static func parseWithCompactMembers(_ bytes: UnsafeRawBufferPointer) throws(LedgerError) -> (value: JSONValue, compactMembers: [Range<Int>?]) {
        var parser = JSONParser(bytes.assumingMemoryBound(to: UInt8.self), recordingCompactMembers: true)
        let value = try parser.parseDocument()
        return (value, parser.compactMemberValues ?? [])
    }

    /// Parses one JSON document from `bytes`; see the `UnsafeRawBufferPointer` form.
    public static func parse(_ bytes: [UInt8]) throws(LedgerError) -> JSONValue {
        // withUnsafeBytes rethrows untyped errors: carry the typed error out in a Result.
        try bytes.withUnsafeBytes { raw in Result { () throws(LedgerError) -> JSONValue in try parse(raw) } }.get()
    }

    /// Parses one JSON document from `bytes`; see the `UnsafeRawBufferPointer` form.
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(LedgerError) -> JSONValue {
        // withUnsafeBytes rethrows untyped errors: carry the typed error out in a Result.
        try bytes.withUnsafeBytes { raw in Result { () throws(LedgerError) -> JSONValue in try parse(raw) } }.get()
    }

    /// Parses one JSON document from the UTF-8 of `text`; see the `UnsafeRawBufferPointer` form.
    public static func parse(_ text: String) throws(LedgerError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}
