import Foundation
import Ledger
import Projections

extension BenchRun {
    /// The status counts of every transactional event (its instance and queue
    /// from its first change, its status from its last), in one set-based
    /// statement: what the counts projection computes.
    static let countsSQL = """
        SELECT v1.data->>'instance', v1.data->>'queue', last.data->>'to', count(*)
        FROM (SELECT DISTINCT ON (stream) stream, data FROM mcledger.events
              WHERE type = 'EventStatusChanged' ORDER BY stream, version DESC) last
        JOIN mcledger.events v1 ON v1.stream = last.stream AND v1.version = 1
        GROUP BY 1, 2, 3
        """

    /// `mcledger projections rebuild` (readiness and counts, a child process)
    /// vs the counts in one set-based SQL statement (psql), over the whole ledger.
    func rebuild(into table: inout BenchTable) async throws(LedgerError) {
        try await connection.executeScript("VACUUM ANALYZE mcledger.events")
        try await checkpoint()
        StandardError.write("bench: mcledger projections rebuild over \(BenchFormat.grouped(ledgerSize)) events\n")
        let rebuild = try await ChildProcess.run([mcledger, "projections", "rebuild"], errors: file("rebuild.err"),
                                                 environment: ["MCLEDGER_DATABASE_URL": conninfo])
        try await checkpoint()
        StandardError.write("bench: the counts in one set-based SQL statement\n")
        let sql = try await ChildProcess.run(psqlArguments(Self.countsSQL), errors: file("counts-sql.err"))
        let ratio = sql.seconds / rebuild.seconds
        let rssOK = rebuild.peakRSS < 200 << 20
        table.add(.init(
            workload: "rebuild readiness + counts over \(BenchFormat.grouped(ledgerSize)) events vs one set-based SQL statement of the counts",
            mcledger: BenchFormat.rate(ledgerSize, rebuild.seconds, "events"), baseline: BenchFormat.rate(ledgerSize, sql.seconds, "events"),
            ratio: ratio, latency: String(format: "%.1f s vs %.1f s", rebuild.seconds, sql.seconds), peakRSS: rebuild.peakRSS,
            target: "within 2x (>= 0.5x), RSS < 200 MB", met: ratio >= 0.5 && rssOK))
        note("Set-based counts statement: `\(Self.countsSQL.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " "))`.")
    }

    /// Brings the projections to the head (an untimed `projections rebuild`),
    /// for the queries when the rebuild workload did not run: without it,
    /// every answer at the head would replay the whole ledger.
    func catchUpProjections() async throws(LedgerError) {
        try await connection.executeScript("VACUUM ANALYZE mcledger.events")
        StandardError.write("bench: projections rebuild (untimed) so that the queries find the projections at the head\n")
        let rebuild = try await ChildProcess.run([mcledger, "projections", "rebuild"], errors: file("rebuild.err"),
                                                 environment: ["MCLEDGER_DATABASE_URL": conninfo])
        note("Projections rebuilt (untimed, \(String(format: "%.1f", rebuild.seconds)) s) before the queries.")
    }

    /// Readiness and counts (library calls on one connection, as `serve`
    /// answers them) at the head and as of the time of the middle event.
    func queries(headSamples: Int, asOfSamples: Int, into table: inout BenchTable) async throws(LedgerError) {
        let reader = ProjectionReader(store: EventStore(connection: connection))
        // The middle, off the counts snapshots (taken every 250,000 events by a rebuild), so the answer replays events.
        let middle = max(min(ledgerSize / 2 + 123_457, ledgerSize), 1)
        let recorded = try await connection.execute(
            "SELECT to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM mcledger.events WHERE position = $1",
            [.int8(middle)]).string(0, 0)
        guard let recorded else { throw LedgerError(.internal, "no event at position \(middle)") }
        let asOf = try Timestamps.parse(recorded)
        // As before every other workload: the previous one's dirty pages are written first, not during the samples.
        try await checkpoint()
        let cases: [(String, ProjectionReader.Point, Int, Double, String)] = [
            ("readiness at the head", .head, headSamples, 0.005, "p99 < 5 ms"),
            ("counts at the head", .head, headSamples, 0.005, "p99 < 5 ms"),
            ("readiness as of the middle (--as-of \(recorded))", .time(asOf), asOfSamples, 1, "< 1 s"),
            ("counts as of the middle (--as-of \(recorded))", .time(asOf), asOfSamples, 1, "< 1 s"),
        ]
        for (name, point, samples, limit, target) in cases {
            StandardError.write("bench: \(name), \(samples) times\n")
            var latencies: [Double] = []
            for _ in 0..<samples {
                let begin = Date()
                if name.hasPrefix("readiness") {
                    _ = try await reader.readiness(at: point)
                } else {
                    _ = try await reader.counts(at: point)
                }
                latencies.append(Date().timeIntervalSince(begin))
            }
            let p99 = Quantiles.p50p99(latencies).p99
            table.add(.init(
                workload: "\(name), \(BenchFormat.grouped(ledgerSize)) events", mcledger: "\(samples) runs, max \(String(format: "%.2f", (latencies.max() ?? 0) * 1000)) ms",
                latency: BenchFormat.percentiles(latencies), target: target, met: p99 < limit))
        }
    }
}
