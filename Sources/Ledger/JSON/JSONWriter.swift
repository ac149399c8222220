/// Writes compact JSON in two passes: the exact length first, then the bytes
/// straight into the final buffer, so that a value is serialized with one
/// allocation and no per-append bookkeeping (the append path serializes two
/// objects per event).
enum JSONWriter {
    /// The number of bytes the compact text of `value` takes.
    static func length(of value: JSONValue) -> Int {
        switch value {
        case .null: return 4
        case .bool(let b): return b ? 4 : 5
        case .number(let literal): return literal.utf8.count
        case .string(let s): return escapedLength(of: s)
        case .array(let elements):
            var total = 2 + max(0, elements.count - 1)
            for element in elements { total += length(of: element) }
            return total
        case .object(let object):
            return length(of: object)
        }
    }

    /// The number of bytes the compact text of `object` takes.
    static func length(of object: JSONObject) -> Int {
        var total = 2 + max(0, object.pairs.count - 1)
        for pair in object.pairs {
            total += escapedLength(of: pair.key) + 1 + length(of: pair.value)
        }
        return total
    }

    /// Writes the compact text of `value` at `out[at...]`, advancing `at`.
    static func write(_ value: JSONValue, into out: UnsafeMutableBufferPointer<UInt8>, at: inout Int) {
        switch value {
        case .null: writeLiteral("null", into: out, at: &at)
        case .bool(let b): writeLiteral(b ? "true" : "false", into: out, at: &at)
        case .number(let literal): writeRaw(literal, into: out, at: &at)
        case .string(let s): writeEscaped(s, into: out, at: &at)
        case .array(let elements):
            out[at] = UInt8(ascii: "[")
            at += 1
            for (i, element) in elements.enumerated() {
                if i > 0 {
                    out[at] = UInt8(ascii: ",")
                    at += 1
                }
                write(element, into: out, at: &at)
            }
            out[at] = UInt8(ascii: "]")
            at += 1
        case .object(let object):
            write(object, into: out, at: &at)
        }
    }

    /// Writes the compact text of `object` at `out[at...]`, advancing `at`.
    static func write(_ object: JSONObject, into out: UnsafeMutableBufferPointer<UInt8>, at: inout Int) {
        out[at] = UInt8(ascii: "{")
        at += 1
        for (i, pair) in object.pairs.enumerated() {
            if i > 0 {
                out[at] = UInt8(ascii: ",")
                at += 1
            }
            writeEscaped(pair.key, into: out, at: &at)
            out[at] = UInt8(ascii: ":")
            at += 1
            write(pair.value, into: out, at: &at)
        }
        out[at] = UInt8(ascii: "}")
        at += 1
    }

    /// The text of `value`, built in one allocation.
    static func text(of value: JSONValue) -> String {
        let count = length(of: value)
        return String(unsafeUninitializedCapacity: count) { buffer in
            var at = 0
            write(value, into: buffer, at: &at)
            precondition(at == count, "JSONWriter length and write disagree")
            return at
        }
    }

    /// The text of `object`, built in one allocation.
    static func text(of object: JSONObject) -> String {
        let count = length(of: object)
        return String(unsafeUninitializedCapacity: count) { buffer in
            var at = 0
            write(object, into: buffer, at: &at)
            precondition(at == count, "JSONWriter length and write disagree")
            return at
        }
    }

    // MARK: - Strings

    /// Bytes that need an escape: control characters, `"` and `\`.
    @inline(__always)
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    /// The escape's length: 2 for the short forms, 6 for `\u00XX`.
    @inline(__always)
    private static func escapeLength(_ byte: UInt8) -> Int {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x08, 0x09, 0x0A, 0x0C, 0x0D: return 2
        default: return 6
        }
    }

    /// The length of `s` as a JSON string literal, quotes included.
    static func escapedLength(of s: String) -> Int {
        withUTF8(of: s) { escapedLength(ofUTF8: $0) }
    }

    /// The length of the UTF-8 text `bytes` as a JSON string literal, quotes included.
    static func escapedLength(ofUTF8 bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var extra = 0
        for byte in bytes where needsEscape(byte) {
            extra &+= escapeLength(byte) &- 1
        }
        return bytes.count + 2 + extra
    }

    /// Writes `s` as a JSON string literal: runs without escapes are copied whole.
    static func writeEscaped(_ s: String, into out: UnsafeMutableBufferPointer<UInt8>, at: inout Int) {
        withUTF8(of: s) { writeEscaped(utf8: $0, into: out, at: &at) }
    }

    /// Writes the UTF-8 text `bytes` as a JSON string literal (``escapedLength(ofUTF8:)`` bytes).
    static func writeEscaped(utf8 bytes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>, at: inout Int) {
        out[at] = UInt8(ascii: "\"")
        var position = at + 1
        var runStart = 0
        for i in 0..<bytes.count where needsEscape(bytes[i]) {
            position = copy(bytes, runStart..<i, into: out, at: position)
            runStart = i + 1
            position = writeEscape(bytes[i], into: out, at: position)
        }
        position = copy(bytes, runStart..<bytes.count, into: out, at: position)
        out[position] = UInt8(ascii: "\"")
        at = position + 1
    }

    /// Copies `bytes[range]` to `out[at...]`; returns the index after the copy.
    @inline(__always)
    private static func copy(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into out: UnsafeMutableBufferPointer<UInt8>, at: Int
    ) -> Int {
        let count = range.count
        guard count > 0, let source = bytes.baseAddress, let target = out.baseAddress else { return at }
        (target + at).initialize(from: source + range.lowerBound, count: count)
        return at + count
    }

    /// Writes the escape of `byte` at `out[at...]`; returns the index after it.
    private static func writeEscape(_ byte: UInt8, into out: UnsafeMutableBufferPointer<UInt8>, at: Int) -> Int {
        out[at] = UInt8(ascii: "\\")
        switch byte {
        case UInt8(ascii: "\""): out[at + 1] = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): out[at + 1] = UInt8(ascii: "\\")
        case 0x08: out[at + 1] = UInt8(ascii: "b")
        case 0x09: out[at + 1] = UInt8(ascii: "t")
        case 0x0A: out[at + 1] = UInt8(ascii: "n")
        case 0x0C: out[at + 1] = UInt8(ascii: "f")
        case 0x0D: out[at + 1] = UInt8(ascii: "r")
        default:
            out[at + 1] = UInt8(ascii: "u")
            out[at + 2] = UInt8(ascii: "0")
            out[at + 3] = UInt8(ascii: "0")
            out[at + 4] = JSONText.lowerHexDigit(byte >> 4)
            out[at + 5] = JSONText.lowerHexDigit(byte & 0xF)
        }
        return at + escapeLength(byte)
    }

    private static func writeRaw(_ s: String, into out: UnsafeMutableBufferPointer<UInt8>, at: inout Int) {
        let start = at
        at = withUTF8(of: s) { bytes in copy(bytes, 0..<bytes.count, into: out, at: start) }
    }

    private static func writeLiteral(_ literal: StaticString, into out: UnsafeMutableBufferPointer<UInt8>, at: inout Int) {
        let bytes = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for byte in bytes {
            out[at] = byte
            at += 1
        }
    }

    /// Calls `body` with the contiguous UTF-8 of `s` (native strings, small ones
    /// included, always have it; others are copied once).
    @inline(__always)
    private static func withUTF8<R>(of s: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = s.utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = s
        return copy.withUTF8(body)
    }
}
