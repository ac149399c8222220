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
