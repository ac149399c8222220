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
        #expect(rows.count == 7, "\(result.stdout)")
        let bulk = rows.first { $0.contains("bulk append: 1,000 domain events") }
        #expect(bulk?.contains("events/s") == true && bulk?.contains("rows/s") == true, "\(result.stdout)")
        #expect(rows.contains { $0.contains("history: all 1,000 events") })
        #expect(rows.contains { $0.contains("rebuild readiness + counts over 3,000 events") })
        #expect(result.stdout.contains("grown from 1,000 to 3,000 events"))
        let started = try #require(result.stderr.split(separator: "\n").first { $0.contains("starting a throwaway cluster in ") })
        let home = String(started.split(separator: " ").last ?? "")
        #expect(home.contains("mcledger-bench-") && !FileManager.default.fileExists(atPath: home), "\(home) is left behind")
    }

    @Test("bad options are usage errors naming the option", arguments: [
        (["--workloads", "append,nope"], "unknown workload 'nope'"),
        (["--workloads", "append,"], "unknown workload ''"),
        (["--clients", "16,,64"], "--clients"),
        (["--clients", "0"], "--clients"),
        (["--events", "10"], "--events"),
    ])
    func badOptions(_ arguments: [String], _ message: String) async throws {
        let result = try await CLI.run(["bench"] + arguments)
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}
