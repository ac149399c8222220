import ArgumentParser
import Foundation
import Ledger

/// `mcledger bench`: every workload twice in one run on one throwaway cluster,
/// once through mcledger and once as raw PostgreSQL doing the same work on a
/// plain table of the same shape, and a table of the two side by side.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure mcledger against raw PostgreSQL, same cluster, same run (fsync on, PostgreSQL defaults).",
        discussion: """
            Workloads (--workloads, comma-separated; all by default):
              append   `mcledger append` of EVENTS NDJSON domain events (a child process) vs psql COPY of the same rows (PAIRS \
            alternated pairs, the median reported)
              history  `mcledger history --format ndjson` of those events vs psql COPY (SELECT ...) TO STDOUT
              http     CLIENTS clients each appending single events through `mcledger serve` (wrk, keep-alive, each \
            waiting for its acknowledgement) vs CLIENTS libpq connections doing one-row INSERT transactions
              rebuild  `mcledger projections rebuild` over LEDGER-EVENTS events vs one set-based SQL statement of the same counts
              queries  readiness and counts at the head and as of the middle (by time), p50/p99, at LEDGER-EVENTS events
            The ledger is grown to LEDGER-EVENTS (in-process appends, timed but not compared) before rebuild and queries.
            The http workload needs wrk (apt-get install wrk). Results (markdown) go to stdout, progress to stderr.
            """)

    @Option(help: "Events for the bulk append and history workloads.") var events: Int = 1_000_000
    @Option(name: .customLong("ledger-events"), help: "Ledger size for the rebuild and queries workloads.") var ledgerEvents: Int = 10_000_000
    @Option(help: "Concurrent HTTP clients (comma-separated list).") var clients: String = "16,64"
    @Option(help: "Seconds per HTTP run.") var seconds: Double = 10
    @Option(help: "Workloads to run: append, history, http, rebuild, queries (comma-separated).")
    var workloads: String = BenchWorkload.allCases.map(\.rawValue).joined(separator: ",")
    @Option(name: .customLong("append-pairs"), help: "Alternated pairs of the bulk append and its COPY (the row is the median pair).")
    var appendPairs: Int = 3
    @Option(name: .customLong("head-samples"), help: "Executions of each head query.") var headSamples: Int = 200
    @Option(name: .customLong("as-of-samples"), help: "Executions of each as-of query.") var asOfSamples: Int = 20
    @Flag(help: "Keep the throwaway cluster's directory and the generated inputs (its path is printed).") var keep = false
    @Flag(name: .customLong("print-wrk-script"), help: "Print the wrk script of the http workload and exit (scripts/bench-serve.sh uses it).")
    var printWrkScript = false

    func validate() throws {
        guard (1_000...DemoScenario.maxTransactionalEvents).contains(events) else { throw ValidationError("--events must be between 1000 and \(DemoScenario.maxTransactionalEvents)") }
        guard ledgerEvents >= events, ledgerEvents <= DemoScenario.maxTransactionalEvents else {
            throw ValidationError("--ledger-events must be at least --events (\(events)) and at most \(DemoScenario.maxTransactionalEvents)")
        }
        guard seconds > 0, seconds <= 3_600 else { throw ValidationError("--seconds must be in (0, 3600]") }
        guard (1...9).contains(appendPairs) else { throw ValidationError("--append-pairs must be between 1 and 9") }
        guard headSamples > 0, asOfSamples > 0 else { throw ValidationError("--head-samples and --as-of-samples must be positive") }
        _ = try clientCounts()
        _ = try selectedWorkloads()
    }

    /// The items of a comma-separated option, trimmed. Empty items are kept
    /// (and then refused): "16,,64" or "append," is a typo, not a shorter list.
    static func items(_ list: String) -> [String] {
        list.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    }

    func clientCounts() throws -> [Int] {
        let counts = Self.items(clients).map { Int($0) }
        guard !counts.isEmpty, counts.allSatisfy({ $0.map { (1...512).contains($0) } ?? false }) else {
            throw ValidationError("--clients must list numbers between 1 and 512, got '\(clients)'")
        }
        return counts.compactMap { $0 }
    }

    func selectedWorkloads() throws -> Set<BenchWorkload> {
        var selected = Set<BenchWorkload>()
        for name in Self.items(workloads) {
            guard let workload = BenchWorkload(rawValue: name) else {
                throw ValidationError("unknown workload '\(name)'; the workloads are: \(BenchWorkload.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            selected.insert(workload)
        }
        return selected
    }

    func run() async throws {
        if printWrkScript {
            let out = StandardOutput()
            out.write(BenchRun.wrkScript)
            out.flush()
            return
        }
        let selected = try selectedWorkloads()
        let counts = try clientCounts()
        try await runReportingErrors("bench") {
            let run = try await BenchRun.start(events: events, ledgerEvents: ledgerEvents)
            run.keepInputs = keep
            defer { run.finish(keep: keep) }
            var table = BenchTable()
            let out = StandardOutput()
            out.write(try await run.header(command: CommandLine.arguments.joined(separator: " ")))
            out.flush()
            if selected.contains(.append) {
                try await run.bulkAppend(events: events, pairs: appendPairs, into: &table)
            } else {
                try await run.seed(upTo: events)
            }
            if selected.contains(.history) { try await run.history(into: &table) }
            if selected.contains(.http) { try await run.http(clients: counts, seconds: seconds, into: &table) }
            if selected.contains(.rebuild) || selected.contains(.queries) {
                try await run.seed(upTo: ledgerEvents)
            }
            if selected.contains(.rebuild) { try await run.rebuild(into: &table) }
            if selected.contains(.queries) {
                // Queries are measured with the projections at the head, as serve keeps them.
                if !selected.contains(.rebuild) { try await run.catchUpProjections() }
                try await run.queries(headSamples: headSamples, asOfSamples: asOfSamples, into: &table)
            }
            out.write(table.markdown())
            out.write(run.footer())
            out.flush()
        }
    }
}

/// What `mcledger bench` can measure.
enum BenchWorkload: String, CaseIterable {
    case append, history, http, rebuild, queries
}
