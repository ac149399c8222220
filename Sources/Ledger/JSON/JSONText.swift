/// Helpers for showing untrusted text inside error messages safely.
enum JSONText {
    /// The longest excerpt of untrusted input echoed in an error message, in
    /// Unicode scalars; longer values are cut and marked with `...`.
    static let maxEchoedScalars = 80

    /// `value` in single quotes, escaped as inside a JSON string literal (`"`,
    /// `\\` and control characters), cut to ``maxEchoedScalars`` and marked `...`
    /// when longer, so that hostile input cannot forge log lines or flood them.
    static func echo(_ value: String) -> String {
        var scalars = value.unicodeScalars
        var cut = false
        if scalars.count > maxEchoedScalars {
            let end = scalars.index(scalars.startIndex, offsetBy: maxEchoedScalars)
            scalars = String.UnicodeScalarView(scalars[..<end])
            cut = true
        }
        var out: [UInt8] = []
        JSONValue.appendEscaped(String(scalars), to: &out)
        out[0] = UInt8(ascii: "'")
        out[out.count - 1] = UInt8(ascii: "'")
        if cut {
            out.insert(contentsOf: "...".utf8, at: out.count - 1)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// True when `a` and `b` have the same UTF-8 bytes (unlike `==`, which
    /// compares by Unicode canonical equivalence).
    @inline(__always)
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        let fast: Bool? = a.utf8.withContiguousStorageIfAvailable { pa in
            b.utf8.withContiguousStorageIfAvailable { pb in
                for i in 0..<pa.count where pa[i] != pb[i] { return false }
                return true
            }
        } ?? nil
        return fast ?? a.utf8.elementsEqual(b.utf8)
    }

    /// `0xNN` for a byte.
    static func hexByte(_ byte: UInt8) -> String {
        let high = upperHexDigit(byte >> 4)
        let low = upperHexDigit(byte & 0xF)
        return "0x" + String(decoding: [high, low], as: UTF8.self)
    }

    /// The ASCII lowercase hex digit for `nibble` (0...15).
    @inline(__always)
    static func lowerHexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    /// The ASCII uppercase hex digit for `nibble` (0...15).
    @inline(__always)
    static func upperHexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10
    }
}
