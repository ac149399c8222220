import Foundation

extension UUID {
    /// A time-ordered UUID, version 7 (RFC 9562): the 48-bit Unix time of `now` in
    /// milliseconds, the version (7) and variant (`10`) bits, and random bits.
    ///
    /// Within a process, UUIDs made in the same millisecond (or while the clock
    /// steps back by at most ``UUIDv7Limits/maxClockRegressionMillis``) still sort
    /// in the order they were made: the 12 bits after the version are a counter
    /// (RFC 9562 section 6.2, method 1), and the timestamp is held at the latest
    /// one issued.
    public static func v7(now: Date = Date()) -> UUID {
        let millis = UInt64(max(0, (now.timeIntervalSince1970 * 1000).rounded(.down)))
        let (timestamp, counter, random) = UUIDv7Clock.shared.next(millis: millis & 0xFFFF_FFFF_FFFF)
        @inline(__always) func byte(_ value: UInt64, _ shift: UInt64) -> UInt8 {
            UInt8(truncatingIfNeeded: value >> shift)
        }
        return UUID(uuid: (
            byte(timestamp, 40), byte(timestamp, 32), byte(timestamp, 24),
            byte(timestamp, 16), byte(timestamp, 8), byte(timestamp, 0),
            0x70 | UInt8(truncatingIfNeeded: counter >> 8), UInt8(truncatingIfNeeded: counter),
            0x80 | (byte(random, 56) & 0x3F), byte(random, 48), byte(random, 40), byte(random, 32),
            byte(random, 24), byte(random, 16), byte(random, 8), byte(random, 0)))
    }

    /// The version number of the UUID (the high nibble of byte 6).
    public var version: Int { Int(uuid.6 >> 4) }

    /// The text of the UUID in lowercase, hyphenated, as the ledger stores and prints it.
    public var lowercasedString: String { uuidString.lowercased() }
}
