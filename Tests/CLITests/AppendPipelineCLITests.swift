import Foundation
import Ledger
import LedgerTestSupport
import Testing

/// `mcledger append` with a batch in flight on each of its two connections:
/// whatever the order the two transactions reach the database in, the
/// ledger holds the input in its order, and answers are those of one batch
/// at a time.
@Suite("mcledger append: two batches in flight")
struct AppendPipelineCLITests {
    @Test("a batch drafted against a stream another writer created is refused, checked again and appended; the batch after it follows, all in input order")
    func refusedDraftIsAppendedAgainInOrder() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let store = try await database.store()
        // Written by another process: `mcledger append` does not know this stream.
        _ = try await store.append(lines: [Fixtures.status("pending", instance: "exec-01", eventId: "known")])
        var ids: [UUID] = []
        func line(_ to: String, _ event: String) -> String {
            let id = UUID()
            ids.append(id)
            return Fixtures.status(to, instance: "exec-01", eventId: event, id: id)
        }
        let input = [
            line("pending", "a"), line("pending", "b"),
            // Drafted as a new stream (base 0): append_events refuses it, and
            // the batch after it follows a transaction that did not commit.
            line("pendingDelivery", "known"), line("pending", "c"),
            line("pending", "d"), line("pendingDelivery", "c"),
        ].joined(separator: "\n") + "\n"
        let run = try await CLI.run(["append", "--batch-size", "2"], database: database, stdin: input)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\"appended\":6,\"duplicates\":0"), "\(run.stdout)")
        let stored = try await store.connection.execute("SELECT event_id::text, stream, version FROM mcledger.events ORDER BY position")
        #expect(stored.count == 7)
        #expect((1..<stored.count).compactMap { stored.string($0, 0) } == ids.map { $0.uuidString.lowercased() })
        // The known stream continued at version 2, c went pending then pendingDelivery.
        #expect((0..<stored.count).filter { stored.string($0, 1)?.hasSuffix(".known") == true }.compactMap { stored.int($0, 2) } == [1, 2])
        #expect((0..<stored.count).filter { stored.string($0, 1)?.hasSuffix(".c") == true }.compactMap { stored.int($0, 2) } == [1, 2])
        #expect(try await Verifier(store: store).verify().ok)
    }

    @Test("one refused batch does not make every batch after it refused: only it and the batch that followed it roll back")
    func oneRefusalDoesNotCascade() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let store = try await database.store()
        _ = try await store.append(lines: [Fixtures.status("pending", instance: "exec-01", eventId: "known")])
        // Lines 3-4 are drafted as a new stream and refused; lines 5-6 follow
        // that refused transaction and are refused too; the 19 batches after
        // them must not follow a refused one.
        var lines = [
            Fixtures.status("pending", instance: "exec-01", eventId: "a"), Fixtures.status("pending", instance: "exec-01", eventId: "b"),
            Fixtures.status("pendingDelivery", instance: "exec-01", eventId: "known"), Fixtures.status("pending", instance: "exec-01", eventId: "c"),
        ]
        lines += (0..<40).map { Fixtures.status("pending", instance: "exec-01", eventId: "e\($0)") }
        let watcher = try await database.connect()
        defer { Task { await watcher.close() } }
        let present = try await Self.clients(watcher)
        let before = try await Self.rollbacks(watcher, once: present)
        let run = try await CLI.run(["append", "--batch-size", "2"], database: database, stdin: lines.joined(separator: "\n") + "\n")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\"appended\":44,\"duplicates\":0"), "\(run.stdout)")
        let refused = try await Self.rollbacks(watcher, once: present) - before
        // A cascade refuses every batch after the stale one: 18 of the 22
        // (the negative control). Without it: the stale batch and the one
        // that followed it (1 when none did yet), and 2 more each time a batch
        // overtakes the one before it to the lock, which a loaded machine
        // (the whole test suite, in parallel) does several times in 22 batches.
        #expect(refused <= 11, "\(refused) append transactions rolled back: more than half of the 22 batches")
        #expect(try await Verifier(store: store).verify().ok)
    }

    /// The pids of the other client backends connected to the database.
    private static func clients(_ connection: PostgresConnection) async throws -> Set<Int> {
        let rows = try await connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()")
        return Set((0..<rows.count).compactMap { rows.int($0, 0) })
    }

    /// The database's rolled-back transactions, once every client backend
    /// but those `present` has exited (a backend reports its counts as it exits).
    private static func rollbacks(_ connection: PostgresConnection, once present: Set<Int>) async throws -> Int {
        var settled = try await clients(connection).isSubset(of: present)
        for _ in 0..<200 where !settled {
            try await Task.sleep(for: .milliseconds(50))
            settled = try await clients(connection).isSubset(of: present)
        }
        try #require(settled, "the append's backends had not exited after 10 s")
        _ = try await connection.execute("SELECT pg_stat_clear_snapshot()")
        let count = try await connection.execute("SELECT xact_rollback FROM pg_stat_database WHERE datname = current_database()")
        return try #require(count.int(0, 0))
    }
}
