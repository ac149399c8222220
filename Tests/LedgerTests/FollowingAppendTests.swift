import Foundation
import Ledger
import LedgerTestSupport
import Testing

/// A batch sent on a second connection while the batch before it is still in
/// flight names that batch's transaction (`append_events`' `p_after`): it
/// appends only once that transaction has committed, so it can neither
/// overtake it to the append lock nor commit when it does not.
@Suite("Appends that follow a transaction in flight")
struct FollowingAppendTests {
    private static let append = "SELECT * FROM mcledger.append_events($1::text[], $2::uuid[], $3::text[], $4::jsonb[], $5::jsonb[], $6::int4[], $7::xid8)"

    /// One new stream's first event, naming `after` as the transaction it follows.
    private static func newStream(_ name: String, after: TransactionID?) -> [SQLParameter] {
        [.textArray(["workflow-exec-01.\(name)"]), .uuidArray([UUID()]), .textArray(["WorkflowCreated"]),
         .jsonbArray(["{\"instance\":\"exec-01\",\"workflow\":\"\(name)\"}"]), .jsonbArray(["{}"]), .int4Array([0]), .xid8(after)]
    }

    private static func begin(_ connection: PostgresConnection) async throws -> TransactionID {
        _ = try await connection.execute("BEGIN")
        return TransactionID(try #require(try await connection.execute("SELECT pg_current_xact_id()::text").string(0, 0)))
    }

    /// A fresh database's store, a connection for the predecessor's
    /// transaction and one, as the append role, for the follower.
    private static func connections() async throws -> (EventStore, predecessor: PostgresConnection, follower: PostgresConnection) {
        let database = try await TestCluster.shared.freshDatabase()
        return (try await database.store(), try await database.connect(), try await database.connect(as: "mcledger_append"))
    }

    @Test("refused while the transaction it follows is in progress or rolled back; appended once it committed")
    func followsOnlyACommittedTransaction() async throws {
        let (store, predecessor, follower) = try await Self.connections()

        // In progress, not at the lock yet: the follower would overtake it.
        let running = try await Self.begin(predecessor)
        let overtaking = await #expect(throws: LedgerError.self) {
            try await follower.execute(Self.append, Self.newStream("a", after: running))
        }
        #expect(overtaking?.details["sqlstate"] == "MLCF2")
        #expect(overtaking?.message.contains("has not committed (in progress)") == true, "\(overtaking?.message ?? "")")
        // Rolled back: it never will.
        _ = try await predecessor.execute("ROLLBACK")
        let orphaned = await #expect(throws: LedgerError.self) {
            try await follower.execute(Self.append, Self.newStream("b", after: running))
        }
        #expect(orphaned?.details["sqlstate"] == "MLCF2")
        #expect(orphaned?.message.contains("(aborted)") == true, "\(orphaned?.message ?? "")")
        #expect(try await store.count() == 0)

        // Committed: the follower appends.
        let committed = try await Self.begin(predecessor)
        _ = try await predecessor.execute("COMMIT")
        _ = try await follower.execute(Self.append, Self.newStream("c", after: committed))
        // Without p_after nothing is checked (every single-connection append).
        _ = try await follower.execute(Self.append, Self.newStream("d", after: nil))
        #expect(try await store.count() == 2)
    }

    @Test("a follower that reaches the lock while its predecessor holds it waits, then appends after it")
    func waitsForAPredecessorHoldingTheLock() async throws {
        let (store, predecessor, follower) = try await Self.connections()
        let id = try await Self.begin(predecessor)
        _ = try await predecessor.execute("SELECT mcledger.lock_appends()")
        _ = try await predecessor.execute(Self.append, Self.newStream("first", after: nil))
        let following = Task { try await follower.execute(Self.append, Self.newStream("second", after: id)).int(0, 0) }
        // Waiting at the lock: nothing of the follower is visible meanwhile.
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await store.count() == 0)
        _ = try await predecessor.execute("COMMIT")
        #expect(try await following.value == 2, "the follower's first position comes right after its predecessor's event")
        #expect(try await store.count() == 2)
    }

    @Test("EventStore: a draft following a rolled-back transaction is refused, nothing appended, and its id is told before the insert")
    func storeRefusesAndTellsItsId() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let store = try await database.store()
        let predecessor = try await database.connect()
        let gone = try await Self.begin(predecessor)
        _ = try await predecessor.execute("ROLLBACK")
        let events = [try Fixtures.event(Fixtures.workflow("Created", instance: "exec-01", workflow: "w"))]
        let draft = try #require(store.draft([events], after: []))
        let told = Locked<TransactionID?>(nil)
        let refused = try await store.append(draft, following: gone, begun: { told.set($0) })
        guard case .refused = refused else {
            Issue.record("a draft following a rolled-back transaction was appended: \(refused)")
            return
        }
        #expect(try await store.count() == 0)
        let first = try #require(told.value)
        // Following a committed transaction, the same draft appends.
        let done = try await store.append(draft, following: nil, begun: { told.set($0) })
        guard case .done(let results) = done else {
            Issue.record("a draft following nothing was refused")
            return
        }
        #expect(try results[0].get().positions == [1])
        #expect(told.value != first, "each transaction tells its own id")
    }
}
