import Foundation

/// RFC 3339 times, as the CLI and HTTP API accept and print them.
public enum Timestamps {
    /// `date` as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, microseconds).
    public static func rfc3339(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        var whole = floor(seconds)
        var micros = Int(((seconds - whole) * 1_000_000).rounded())
        if micros == 1_000_000 { whole += 1; micros = 0 }
        var time = time_t(whole)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), micros)
    }

    /// Parses an RFC 3339 time (`2026-11-27T10:02:00Z`, fractional seconds and
    /// numeric offsets allowed).
    public static func parse(_ text: String) throws(LedgerError) -> Date {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = withFraction.date(from: text) ?? plain.date(from: text) { return date }
        throw LedgerError(.usage, "invalid time '\(text)': expected RFC 3339, e.g. 2026-11-27T10:02:00Z")
    }
}
