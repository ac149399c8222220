import Foundation

/// RFC 3339 times, as the CLI and HTTP API accept and print them.
public enum Timestamps {
    /// `date` as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, microseconds).
    /// Written digit by digit (`CanonicalTime`, the chain's own form of a
    /// time): `serve` stamps every log line with it, and Foundation's
    /// `String(format:)` cost more than the rest of the line.
    public static func rfc3339(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        var whole = floor(seconds)
        var micros = Int64(((seconds - whole) * 1_000_000).rounded())
        if micros == 1_000_000 { whole += 1; micros = 0 }
        guard (firstSecondOfYear1...lastSecondOfYear9999).contains(whole) else {
            return formatted(whole: whole, micros: micros)
        }
        let time = CanonicalTime(microseconds: (Int64(whole) - postgresEpochSeconds) * 1_000_000 + micros)
        return String(unsafeUninitializedCapacity: time.length) { buffer in
            var at = 0
            time.write(into: buffer, at: &at)
            return at
        }
    }

    /// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z in Unix seconds: the
    /// years RFC 3339 has four digits for (outside them, `formatted`).
    private static let firstSecondOfYear1: Double = -62_135_596_800
    private static let lastSecondOfYear9999: Double = 253_402_300_799
    /// 2000-01-01T00:00:00Z in Unix seconds (PostgreSQL's epoch, `CanonicalTime`'s).
    private static let postgresEpochSeconds: Int64 = 946_684_800

    private static func formatted(whole: Double, micros: Int64) -> String {
        var time = time_t(whole)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(micros))
    }

    /// Parses an RFC 3339 time (`2026-11-27T10:02:00Z`, fractional seconds and
    /// numeric offsets allowed). Fractions keep microsecond precision, the
    /// ledger's own (ISO8601DateFormatter alone keeps milliseconds, which would
    /// make an exact `recordedAt` miss its own batch).
    public static func parse(_ text: String) throws(LedgerError) -> Date {
        var base = text
        var fraction = 0.0
        if let t = text.firstIndex(of: "T"), let dot = text[t...].firstIndex(of: ".") {
            let digits = text[text.index(after: dot)...].prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 9 else {
                throw LedgerError(.usage, "invalid time '\(text)': expected RFC 3339, e.g. 2026-11-27T10:02:00.123456Z")
            }
            fraction = Double("0." + digits) ?? 0
            base = String(text[..<dot]) + String(text[digits.endIndex...])
        }
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: base) { return date.addingTimeInterval(fraction) }
        throw LedgerError(.usage, "invalid time '\(text)': expected RFC 3339, e.g. 2026-11-27T10:02:00Z")
    }
}
