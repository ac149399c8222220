import Foundation

/// Parsing of the canonical UUID text form, byte by byte (Foundation's parser
/// is several times slower and its accepted forms vary by platform).
enum UUIDText {
    /// The length of `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
    private static let textLength = 36

    /// The UUID written as 32 hex digits (either case) in 8-4-4-4-12 groups, or nil.
    static func parse(_ text: String) -> UUID? {
        var copy = text
        return copy.withUTF8 { parse($0) }
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> UUID? {
        guard bytes.count == textLength else { return nil }
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let ok = withUnsafeMutableBytes(of: &uuid) { out -> Bool in
            var nibble = 0
            for offset in 0..<textLength {
                let byte = bytes[offset]
                if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
                    guard byte == UInt8(ascii: "-") else { return false }
                    continue
                }
                let value: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte &- UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): value = byte &- UInt8(ascii: "a") &+ 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): value = byte &- UInt8(ascii: "A") &+ 10
                default: return false
                }
                out[nibble >> 1] |= nibble & 1 == 0 ? value << 4 : value
                nibble += 1
            }
            return true
        }
        return ok ? UUID(uuid: uuid) : nil
    }
}
