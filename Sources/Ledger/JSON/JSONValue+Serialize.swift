extension JSONValue {
    /// Compact JSON text (no insignificant whitespace): numbers exactly as parsed,
    /// object members in their order, strings escaped so that parsing the result
    /// gives back an equal value (`"` and `\` escaped, control characters as short
    /// escapes or `\u00XX`); non-ASCII characters are written as UTF-8.
    public func serialized() -> String {
        JSONWriter.text(of: self)
    }

    /// Appends the compact JSON text of this value (see ``serialized()``) to `out`.
    public func serialize(into out: inout [UInt8]) {
        let count = JSONWriter.length(of: self)
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: count))
        out.withUnsafeMutableBufferPointer { buffer in
            var at = start
            JSONWriter.write(self, into: buffer, at: &at)
            precondition(at == start + count, "JSONWriter length and write disagree")
        }
    }

    /// Appends `s` as a JSON string literal (see ``serialized()``) to `out`.
    public static func appendEscaped(_ s: String, to out: inout [UInt8]) {
        JSONValue.string(s).serialize(into: &out)
    }
}
