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

    /// `mcledger append arguments...` of `input` through a proxy armed with
    /// `fault` for the first COMMIT on the first connection (the one that
    /// carries the first batch; the second batch's COMMIT, on the second
    /// connection, may reach the proxy first); checks that the fault fired.
    static func appendThroughFault(_ fault: FaultProxy.Fault, _ input: String, arguments: [String] = [],
                                   into database: TestDatabase) async throws -> CLI.Result {
        let proxy = try FaultProxy(cluster: database.cluster.home)
        defer { proxy.stop() }
        proxy.arm(fault, connection: 0)
        let run = try await CLI.run(["append"] + arguments, stdin: input, environment: ["MCLEDGER_DATABASE_URL": proxy.conninfo(database: database.name)])
        #expect(proxy.fired == 1)
        return run
    }

    @Test("ack lost on the only batch: resolved as committed, exit 0, appended once")
    func ackLostSingleBatch() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let input = Self.lines("one", 3)
        let run = try await Self.appendThroughFault(.dropCommitReply, input, into: database)
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
        let run = try await Self.appendThroughFault(.dropCommitRequest, Self.lines("two", 3), into: database)
        #expect(run.status == 69, "\(run.stderr)")
        #expect(run.stderr.contains("the batch of lines 1-3 was NOT committed"), "\(run.stderr)")
        #expect(run.stdout.contains("\"commit\":\"no\""), "\(run.stdout)")
        #expect(try await Self.count(database) == 0)
    }

    @Test("ack lost on the first of three batches: it is counted as committed, the second commits on the other connection, the third (on the cut one) is reported NOT committed (exit 69)")
    func ackLostThenLost() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let input = Self.lines("three", 6)
        let run = try await Self.appendThroughFault(.dropCommitReply, input, arguments: ["--batch-size", "2"], into: database)
        #expect(run.status == 69, "\(run.stderr)")
        #expect(run.stderr.contains("the batch of lines 5-6 was NOT committed"), "\(run.stderr)")
        let summary = try JSONValue.parse(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(summary["appended"]?.integerValue == 4)
        #expect(summary["committedLines"]?.integerValue == 4)
        #expect(try await Self.count(database) == 4)
        // Re-running finishes the job without duplicates.
        let again = try await CLI.run(["append"], database: database, stdin: input)
        #expect(again.status == 0 && again.stdout.contains("\"appended\":2,\"duplicates\":4"), "\(again.stdout)")
        #expect(try await Self.count(database) == 6)
    }

    @Test("COMMIT of the first of two batches never sent: the second, sent on the other connection meanwhile, does not commit either (exit 69, nothing appended)")
    func followerOfALostBatch() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let input = Self.lines("four", 4)
        let run = try await Self.appendThroughFault(.dropCommitRequest, input, arguments: ["--batch-size", "2"], into: database)
        #expect(run.status == 69, "\(run.stderr)")
        #expect(run.stderr.contains("the batch of lines 1-2 was NOT committed"), "\(run.stderr)")
        #expect(!run.stderr.contains("after it did commit"), "\(run.stderr)")
        let summary = try JSONValue.parse(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(summary["appended"]?.integerValue == 0)
        #expect(try await Self.count(database) == 0)
        let again = try await CLI.run(["append"], database: database, stdin: input)
        #expect(again.status == 0 && again.stdout.contains("\"appended\":4,\"duplicates\":0"), "\(again.stdout)")
    }

    /// Lines whose streams continue across batches: every transactional
    /// event goes pending, and 300 lines later (in a later batch) pending
    /// delivery. Each line has an explicit eventId, in file order.
    static func crossingLines(_ events: Int) -> (text: String, ids: [String]) {
        var lines: [String] = []
        var ids: [String] = []
        func add(_ to: String, _ event: Int) {
            let id = UUID()
            ids.append(id.uuidString.lowercased())
            lines.append(Fixtures.status(to, instance: "exec-01", eventId: "x-\(event)", id: id))
        }
        for event in 0..<events {
            add("pending", event)
            if event >= 300 { add("pendingDelivery", event - 300) }
        }
        return (lines.joined(separator: "\n") + "\n", ids)
    }

    @Test("PostgreSQL stopped (immediate) during a two-connection bulk append: what is stored is a prefix of the input in its order, covering every line called committed; a re-run completes it")
    func serverCrashMidAppend() async throws {
        let cluster = try TestCluster.separateCluster(settings: ["max_connections": "20", "shared_buffers": "32MB"])
        _ = try await cluster.start()
        defer { try? cluster.stop(immediate: true) }
        let conninfo = cluster.conninfo()
        let setup = try await PostgresConnection.connect(conninfo)
        try await Migrator().migrate(setup)
        await setup.close()
        let (input, ids) = Self.crossingLines(30_000)
        let file = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("mcledger-crash-\(getpid())-\(UUID().uuidString).ndjson")
        try input.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }

        // Stop the server once some batches have committed, start it again a
        // moment later (so that the batch in doubt can be resolved).
        let crasher = Task { () throws -> Int in
            let watcher = try await PostgresConnection.connect(conninfo)
            var seen = 0
            while seen < 4_000 {
                try await Task.sleep(for: .milliseconds(20))
                seen = try await watcher.execute("SELECT count(*) FROM mcledger.events").int(0, 0) ?? 0
            }
            try await cluster.shutDown(immediate: true)
            await watcher.close()
            try await Task.sleep(for: .milliseconds(500))
            _ = try await cluster.start()
            return seen
        }
        let run = try await CLI.run(["append", "--batch-size", "200", file.path], environment: ["MCLEDGER_DATABASE_URL": conninfo])
        let seen = try await crasher.value
        #expect(seen >= 4_000)
        #expect(run.status == 69, "the append was not interrupted: \(run.stderr)")
        let summary = try #require(try JSONValue.parse(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).objectValue, "\(run.stdout)")
        let committed = try #require(summary["committedLines"]?.integerValue, "\(run.stdout)")

        let store = EventStore(connection: try await PostgresConnection.connect(conninfo))
        let stored = try await Self.storedIds(store)
        #expect(stored == Array(ids.prefix(stored.count)), "the stored events are not the input's first \(stored.count) lines in order")
        #expect(stored.count >= committed, "lines called committed are missing: \(committed) committed, \(stored.count) stored")
        if summary["error"]?.objectValue?["commit"]?.stringValue == "no" {
            #expect(stored.count == committed, "a batch after the one NOT committed was stored: \(run.stderr)")
        }
        #expect(try await Verifier(store: store).verify().ok)

        let again = try await CLI.run(["append", "--batch-size", "200", file.path], environment: ["MCLEDGER_DATABASE_URL": conninfo])
        #expect(again.status == 0, "\(again.stderr)")
        let all = try await Self.storedIds(store)
        #expect(all == ids)
        #expect(try await Verifier(store: store).verify().ok)
        await store.connection.close()
    }

    /// Every stored event id, in position order.
    static func storedIds(_ store: EventStore) async throws -> [String] {
        let rows = try await store.connection.execute("SELECT event_id::text FROM mcledger.events ORDER BY position")
        return (0..<rows.count).compactMap { rows.string($0, 0) }
    }
}
