import Foundation
import Ledger
import LedgerTestSupport
import Testing

/// `mcledger append` when the connection breaks during COMMIT: the outcome
/// of the batch is resolved on a new connection and said, never guessed.
@Suite("mcledger append: connection faults")
struct AppendFaultCLITests {
    static func lines(_ tag: String, _ count: Int) -> String {
        (1...count).map { Fixtures.status("pending", instance: "exec-01", eventId: "\(tag)-\($0)", id: UUID()) }.joined(separator: "\n") + "\n"
    }

    static func count(_ database: TestDatabase) async throws -> Int {
        try await database.store().count()
    }

    @Test("ack lost on the only batch: resolved as committed, exit 0, appended once")
    func ackLostSingleBatch() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let proxy = try FaultProxy(cluster: database.cluster.home)
        defer { proxy.stop() }
        proxy.arm(.dropCommitReply)
        let input = Self.lines("one", 3)
        let run = try await CLI.run(["append"], stdin: input, environment: ["MCLEDGER_DATABASE_URL": proxy.conninfo(database: database.name)])
        #expect(proxy.fired == 1)
        #expect(run.status == 0, "\(run.stderr)")
        let summary = try JSONValue.parse(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(summary["appended"]?.integerValue == 3)
        #expect(try await Self.count(database) == 3)
        // Re-running the same input appends nothing.
        let again = try await CLI.run(["append"], database: database, stdin: input)
        #expect(again.status == 0 && again.stdout.contains("\"duplicates\":3"))
        #expect(try await Self.count(database) == 3)
    }

    @Test("COMMIT never sent: exit 69, the message says the batch was NOT committed, nothing appended")
    func notCommitted() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let proxy = try FaultProxy(cluster: database.cluster.home)
        defer { proxy.stop() }
        proxy.arm(.dropCommitRequest)
        let run = try await CLI.run(["append"], stdin: Self.lines("two", 3), environment: ["MCLEDGER_DATABASE_URL": proxy.conninfo(database: database.name)])
        #expect(run.status == 69, "\(run.stderr)")
        #expect(run.stderr.contains("the batch of lines 1-3 was NOT committed"), "\(run.stderr)")
        #expect(run.stdout.contains("\"commit\":\"no\""), "\(run.stdout)")
        #expect(try await Self.count(database) == 0)
    }

    @Test("ack lost on the first of two batches: it is counted as committed; the second is reported NOT committed (exit 69)")
    func ackLostThenLost() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let proxy = try FaultProxy(cluster: database.cluster.home)
        defer { proxy.stop() }
        proxy.arm(.dropCommitReply)
        let input = Self.lines("three", 4)
        let run = try await CLI.run(["append", "--batch-size", "2"], stdin: input,
                              environment: ["MCLEDGER_DATABASE_URL": proxy.conninfo(database: database.name)])
        #expect(run.status == 69, "\(run.stderr)")
        #expect(run.stderr.contains("the batch of lines 3-4 was NOT committed"), "\(run.stderr)")
        let summary = try JSONValue.parse(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(summary["appended"]?.integerValue == 2)
        #expect(summary["committedLines"]?.integerValue == 2)
        #expect(try await Self.count(database) == 2)
        // Re-running finishes the job without duplicates.
        let again = try await CLI.run(["append"], database: database, stdin: input)
        #expect(again.status == 0 && again.stdout.contains("\"appended\":2,\"duplicates\":2"), "\(again.stdout)")
        #expect(try await Self.count(database) == 4)
    }
}
