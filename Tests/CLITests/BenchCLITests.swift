import Foundation
import LedgerTestSupport
import Testing

@Suite("mcledger bench")
struct BenchCLITests {
    @Test("a tiny run prints a row per workload with both sides measured, and removes its cluster")
    func tinyRun() async throws {
        let result = try await CLI.run([
            "bench", "--workloads", "append,history,rebuild,queries", "--events", "1000", "--ledger-events", "3000",
            "--head-samples", "3", "--as-of-samples", "2",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| workload") }
        #expect(rows.count == 8, "\(result.stdout)")
        let bulk = rows.first { $0.contains("bulk append: 1,000 domain events") }
        #expect(bulk?.contains("events/s") == true && bulk?.contains("rows/s") == true, "\(result.stdout)")
        // Three alternated pairs (the default): the row is the one whose ratio is the median of those listed.
        #expect(bulk?.contains("the median of 3 alternated pairs") == true, "\(result.stdout)")
        let pairs = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("- Bulk append, every pair") }, "\(result.stdout)")
        let ratios = pairs.split(separator: ";").compactMap { part in
            part.split(separator: " ").last.flatMap { Double($0.trimmingCharacters(in: CharacterSet(charactersIn: "x.")) ) }
        }
        #expect(ratios.count == 3, "\(pairs)")
        let median = ratios.sorted()[ratios.count / 2]
        #expect(bulk.map(Self.cells)?[3] == String(format: "%.2fx", median), "\(String(describing: bulk)) vs \(pairs)")
        // Its latency: p50 / p99 of the append's transactions (one batch of 1,000 each), then both wall times.
        let latency = Substring(try #require(bulk.map(Self.cells)?[4], "\(String(describing: bulk))"))
        let (p50, p99) = (Self.number(after: "", in: latency) ?? 0, Self.number(after: " / ", in: latency) ?? 0)
        #expect(p50 > 0 && p50 <= p99 && latency.contains("a 1,000-event transaction; ") && latency.hasSuffix(" s"), "\(latency)")
        // The batched INSERT reference stored every row (the run checks the count) and has a ratio to the same COPY.
        let reference = try #require(rows.first { $0.contains("reference, not a target: the same rows as parameter arrays") }, "\(result.stdout)")
        let cells = Self.cells(reference)
        #expect(cells[1].hasSuffix("rows/s") && cells[3].hasSuffix("x") && cells[2] == bulk.map(Self.cells)?[2], "\(reference)")
        // What an event cost in CPU on each side. The client's comes from wait4 (microseconds: a process
        // that started, connected and appended cannot have used none); /proc counts in 10 ms ticks, which
        // 1,000 rows may not fill, so PostgreSQL's share is only required to be there.
        let cpu = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("- CPU in the bulk append") }, "\(result.stdout)")
        for side in ["`mcledger append`: the client ", "psql COPY: psql "] {
            let share = try #require(Self.text(after: side, in: cpu), "\(cpu)")
            #expect((Self.number(after: "", in: share) ?? 0) > 0, "\(cpu)")
            #expect(Self.number(after: "PostgreSQL ", in: share) != nil, "\(cpu)")
        }
        #expect(rows.contains { $0.contains("history: all 1,000 events") })
        #expect(rows.contains { $0.contains("rebuild readiness + counts over 3,000 events") })
        #expect(result.stdout.contains("grown from 1,000 to 3,000 events"))
        let flush = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("The disk under the cluster: ") }, "\(result.stdout)")
        let flushes = flush.dropFirst("The disk under the cluster: ".count).prefix { $0 != " " }.filter(\.isNumber)
        #expect((Int(String(flushes)) ?? 0) > 0, "\(flush)")
        let started = try #require(result.stderr.split(separator: "\n").first { $0.contains("starting a throwaway cluster in ") })
        let home = String(started.split(separator: " ").last ?? "")
        #expect(home.contains("mcledger-bench-") && !FileManager.default.fileExists(atPath: home), "\(home) is left behind")
    }

    @Test("the HTTP rows: appends through serve and, on the same serve, the no-database ceilings (GET /healthz, appends the parser refuses), each against one-row transactions")
    func httpRows() async throws {
        let result = try await CLI.run(["bench", "--workloads", "http", "--clients", "2", "--seconds", "1", "--events", "1000"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| workload") }
        #expect(rows.count == 3, "\(result.stdout)")
        let appends = try #require(rows.first { $0.hasPrefix("| single-event appends, 2 clients") }, "\(result.stdout)")
        let ceiling = try #require(rows.first { $0.hasPrefix("| HTTP ceiling, 2 clients: `GET /healthz`") }, "\(result.stdout)")
        let refused = try #require(rows.first { $0.hasPrefix("| HTTP ceiling with the append's own parsing, 2 clients:") }, "\(result.stdout)")
        #expect(appends.contains("events/s") && appends.contains("tx/s"), "\(appends)")
        for row in [ceiling, refused] {
            #expect(row.contains("requests/s") && row.contains("tx/s"), "\(row)")
            // Each compares against the same one-row transactions: the baseline cell is the same.
            #expect(Self.cells(appends)[2] == Self.cells(row)[2], "\(appends)\n\(row)")
            #expect(Self.cells(row)[3].hasSuffix("x"), "\(row)")
        }
        // The run itself fails unless every refused append was answered 400 (status 0 above).
        #expect((Self.number(after: "", in: Substring(Self.cells(refused)[1])) ?? 0) > 0, "\(refused)")
        #expect(result.stdout.contains("appends acknowledged with 201"), "\(result.stdout)")
        // What each operation cost in CPU, from /proc. serve runs the whole second, so its share cannot be
        // nothing; /proc counts in 10 ms ticks, which the appending backend may not fill in one second on a
        // loaded machine (a CI run acknowledged a single append), so PostgreSQL's share is only required to be there.
        let cpu = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("- CPU at 2 clients (from /proc") }, "\(result.stdout)")
        let append = try #require(Self.text(after: "appends: serve ", in: cpu))
        #expect((Self.number(after: "", in: append) ?? 0) > 0, "\(cpu)")
        #expect(Self.number(after: "PostgreSQL ", in: append) != nil, "\(cpu)")
        #expect(cpu.contains("per acknowledged append") && cpu.contains("per transaction") && cpu.contains("per request"), "\(cpu)")
        let refusedCPU = try #require(Self.text(after: "refused appends: serve ", in: cpu), "\(cpu)")
        #expect((Self.number(after: "", in: refusedCPU) ?? 0) > 0, "\(cpu)")
    }

    /// A markdown table row's cells: workload, mcledger, baseline, ratio, ...
    static func cells(_ row: Substring) -> [String] {
        row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    @Test("bad options are usage errors naming the option", arguments: [
        (["--workloads", "append,nope"], "unknown workload 'nope'"),
        (["--workloads", "append,"], "unknown workload ''"),
        (["--clients", "16,,64"], "--clients"),
        (["--clients", "0"], "--clients"),
        (["--events", "10"], "--events"),
        (["--append-pairs", "0"], "--append-pairs"),
    ])
    func badOptions(_ arguments: [String], _ message: String) async throws {
        let result = try await CLI.run(["bench"] + arguments)
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    /// What follows the first `label` in `line` (nil when it is not there).
    static func text(after label: String, in line: Substring) -> Substring? {
        label.isEmpty ? line : line.firstRange(of: label).map { line[$0.upperBound...] }
    }

    /// The decimal number right after the first `label` in `line`.
    static func number(after label: String, in line: Substring) -> Double? {
        text(after: label, in: line).flatMap { Double($0.prefix { $0.isNumber || $0 == "." }) }
    }
}
