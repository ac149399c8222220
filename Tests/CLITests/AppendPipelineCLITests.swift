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
}
