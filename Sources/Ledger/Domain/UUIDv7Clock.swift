import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The process-wide state of `UUID.v7`: the last (timestamp, counter) issued
/// and a buffer of random bytes, under a lock.
///
/// Random bits come from the system's cryptographic generator, fetched in
/// blocks: a system call per UUID would cost more than the rest of the UUID's
/// making.
final class UUIDv7Clock: @unchecked Sendable {
    static let shared = UUIDv7Clock()

    /// The counter's random start leaves at least half of its 12 bits to count up.
    private static let counterSeedMask: UInt16 = 0x7FF
    private static let counterMax: UInt16 = 0xFFF
    /// Random words fetched from the system at a time.
    private static let randomBlockWords = 256

    private let lock = NSLock()
    private var lastMillis: UInt64 = 0
    private var lastCounter: UInt16 = 0
    private var random: [UInt64]
    private var randomIndex: Int

    private init() {
        random = [UInt64](repeating: 0, count: Self.randomBlockWords)
        randomIndex = Self.randomBlockWords
    }

    /// The timestamp and counter for a UUID made at `millis`, and 64 random bits.
    func next(millis: UInt64) -> (millis: UInt64, counter: UInt16, random: UInt64) {
        lock.lock()
        defer { lock.unlock() }
        if millis > lastMillis || lastMillis - millis > UUIDv7Limits.maxClockRegressionMillis {
            lastMillis = millis
            lastCounter = UInt16(truncatingIfNeeded: nextRandom()) & Self.counterSeedMask
        } else if lastCounter < Self.counterMax {
            lastCounter += 1
        } else {
            // Counter exhausted within one millisecond: borrow the next one.
            lastMillis += 1
            lastCounter = 0
        }
        return (lastMillis, lastCounter, nextRandom())
    }

    /// The next random word; refills the block when it is used up. Called under the lock.
    private func nextRandom() -> UInt64 {
        if randomIndex == random.count {
            refill()
            randomIndex = 0
        }
        defer { randomIndex += 1 }
        return random[randomIndex]
    }

    /// Fills the block from the system's cryptographic generator: `/dev/urandom`
    /// read in one go where it can be, else word by word through
    /// `SystemRandomNumberGenerator`.
    private func refill() {
        random.withUnsafeMutableBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            var filled = 0
            let fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
            if fd >= 0 {
                while filled < bytes.count {
                    let got = read(fd, base + filled, bytes.count - filled)
                    if got > 0 {
                        filled += got
                    } else if got < 0, errno == EINTR {
                        continue
                    } else {
                        break
                    }
                }
                close(fd)
            }
            var system = SystemRandomNumberGenerator()
            while filled < bytes.count {
                bytes[filled] = UInt8(truncatingIfNeeded: system.next())
                filled += 1
            }
        }
    }
}
