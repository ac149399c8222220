/// `recorded_at` as the hash chain and history print it, from the binary form
/// of a `timestamptz` (microseconds since 2000-01-01 00:00:00 UTC): exactly
/// `to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.
///
/// Like `to_char`: the proleptic Gregorian calendar; `YYYY` is at least four
/// digits, more when the year needs them, and a year BC prints as its
/// number without a sign (1 BC is astronomical year 0). `to_char` of an
/// infinite timestamp is NULL; that prints as nothing, as a NULL
/// `recordedAt` does in ``RecordedEvent/json``.
struct CanonicalTime {
    private let year: Int64
    private let month: Int
    private let day: Int
    private let microsecondOfDay: Int64
    private let isFinite: Bool

    private static let microsecondsPerDay: Int64 = 86_400_000_000
    /// Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch.
    private static let postgresEpochDays: Int64 = 10_957

    init(microseconds: Int64) {
        guard microseconds != Int64.min, microseconds != Int64.max else {
            (year, month, day, microsecondOfDay, isFinite) = (0, 0, 0, 0, false)
            return
        }
        var days = microseconds / Self.microsecondsPerDay
        var rest = microseconds % Self.microsecondsPerDay
        if rest < 0 {
            rest += Self.microsecondsPerDay
            days -= 1
        }
        (year, month, day) = CivilDate.of(daysSince1970: days + Self.postgresEpochDays)
        microsecondOfDay = rest
        isFinite = true
    }

    /// The year as `YYYY` prints it.
    private var printedYear: UInt64 { UInt64(year <= 0 ? 1 - year : year) }

    /// The number of bytes ``write(into:at:)`` writes.
    var length: Int {
        guard isFinite else { return 0 }
        return max(4, HistoryLines.digitCount(printedYear)) + "-MM-DDTHH:MI:SS.ffffffZ".utf8.count
    }

    func write(into out: UnsafeMutableBufferPointer<UInt8>, at: inout Int) {
        guard isFinite else { return }
        let second = UInt64(microsecondOfDay / 1_000_000)
        field(printedYear, max(4, HistoryLines.digitCount(printedYear)), then: "-", into: out, at: &at)
        field(UInt64(month), 2, then: "-", into: out, at: &at)
        field(UInt64(day), 2, then: "T", into: out, at: &at)
        field(second / 3_600, 2, then: ":", into: out, at: &at)
        field(second / 60 % 60, 2, then: ":", into: out, at: &at)
        field(second % 60, 2, then: ".", into: out, at: &at)
        field(UInt64(microsecondOfDay % 1_000_000), 6, then: "Z", into: out, at: &at)
    }

    @inline(__always)
    private func field(_ value: UInt64, _ digits: Int, then separator: Unicode.Scalar,
                       into out: UnsafeMutableBufferPointer<UInt8>, at: inout Int) {
        HistoryLines.writeDigits(value, count: digits, into: out, at: &at)
        out[at] = UInt8(ascii: separator)
        at += 1
    }
}
