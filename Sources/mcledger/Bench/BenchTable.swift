import Foundation

/// The benchmark's result table: one row per workload (and client count).
struct BenchTable {
    struct Row {
        var workload: String
        /// mcledger's rate, with its unit.
        var mcledger: String
        /// The raw PostgreSQL baseline's rate, with its unit ("-" where there is none).
        var baseline: String = "-"
        /// mcledger's rate over the baseline's (higher is better for mcledger).
        var ratio: Double?
        var latency: String = "-"
        var peakRSS: Int?
        /// The issue's target for the row, and whether it was met.
        var target: String = ""
        var met: Bool?
    }

    private(set) var rows: [Row] = []

    mutating func add(_ row: Row) {
        rows.append(row)
        StandardError.write("bench: \(row.workload): \(row.mcledger) vs \(row.baseline)\(row.ratio.map { String(format: " = %.2fx", $0) } ?? "")\n")
    }

    func markdown() -> String {
        var text = "\n| workload | mcledger | raw PostgreSQL | ratio | p50 / p99 ms (or wall time) | peak RSS (mcledger) | target | met |\n"
        text += "|---|---:|---:|---:|---:|---:|---|---|\n"
        for row in rows {
            let ratio = row.ratio.map { String(format: "%.2fx", $0) } ?? "-"
            let rss = row.peakRSS.map { "\($0 / (1 << 20)) MiB" } ?? "-"
            let met = row.met.map { $0 ? "yes" : "**no**" } ?? "-"
            text += "| \(row.workload) | \(row.mcledger) | \(row.baseline) | \(ratio) | \(row.latency) | \(rss) | \(row.target) | \(met) |\n"
        }
        return text
    }
}

/// Number formatting for the table.
enum BenchFormat {
    /// `1234567` as `1,234,567`.
    static func grouped(_ value: Int) -> String {
        let digits = String(abs(value))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return value < 0 ? "-" + out : out
    }

    static func rate(_ count: Int, _ seconds: Double, _ unit: String) -> String {
        "\(grouped(Int((Double(count) / max(seconds, 1e-9)).rounded()))) \(unit)/s"
    }

    /// p50 / p99 of `latencies` (seconds) in milliseconds.
    static func percentiles(_ latencies: [Double]) -> String {
        let (p50, p99) = Quantiles.p50p99(latencies)
        return milliseconds(p50, p99)
    }

    /// Two latencies in seconds as `p50 / p99` milliseconds (`1.04 / 4.26`).
    static func milliseconds(_ p50: Double, _ p99: Double) -> String {
        String(format: "%.2f / %.2f", p50 * 1000, p99 * 1000)
    }
}
