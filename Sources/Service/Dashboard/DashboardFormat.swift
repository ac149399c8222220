/// How the dashboard writes numbers and times.
enum DashboardFormat {
    /// `1234567` as `1,234,567`.
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped += "," }
            grouped.append(digit)
        }
        return value < 0 ? "-" + grouped : grouped
    }

    /// `part` of `whole` as a percentage with one decimal (`0%` of nothing).
    static func percent(_ part: Int, of whole: Int) -> String {
        guard whole > 0 else { return "0%" }
        let tenths = (part * 1000 + whole / 2) / whole
        return "\(tenths / 10).\(tenths % 10)%"
    }

    /// A canonical `YYYY-MM-DDTHH:MM:SS.ffffffZ` time as `YYYY-MM-DD HH:MM:SS` (UTC),
    /// the way an operator reads it; the exact value stays in `datetime`.
    static func time(_ canonical: String) -> String {
        guard canonical.count >= 19 else { return canonical }
        let date = canonical.prefix(10)
        let clock = canonical.dropFirst(11).prefix(8)
        return "\(date) \(clock)"
    }

    /// `text` cut to `limit` characters, with an ellipsis when cut.
    static func truncated(_ text: String, to limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}
