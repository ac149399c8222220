import Foundation
import Ledger
import LedgerTestSupport
import Testing

/// A COMMIT lost with its connection is resolved on a new connection, never
/// guessed. A `FaultProxy` between libpq and the test cluster cuts the
/// connection at an exact protocol message, so each case is deterministic.
@Suite("Append: in-doubt commits resolved")
struct CommitResolutionTests {
    /// Three pending events with ids of their own, as one batch.
    static func batch(_ tag: String) throws -> [ProposedEvent] {
        try (1...3).map { try Fixtures.event(Fixtures.status("pending", instance: "exec-01", eventId: "\(tag)-\($0)", id: UUID())) }
    }

    /// Where each id is stored (every row; a duplicate would show twice).
    static func stored(_ database: TestDatabase, _ events: [ProposedEvent]) async throws -> [UUID: [Int]] {
        let connection = try await database.connect()
        defer { Task { await connection.close() } }
        let rows = try await connection.execute("SELECT event_id::text, position FROM mcledger.events WHERE event_id = ANY($1::uuid[])",
                                                [.uuidArray(events.map(\.eventId))])
        var positions: [UUID: [Int]] = [:]
        for row in 0..<rows.count {
            let id = try #require(rows.string(row, 0).flatMap(UUID.init(uuidString:)))
            positions[id, default: []].append(try #require(rows.int(row, 1)))
        }
        return positions
    }

    static func setUp(timeout: Duration = .seconds(10)) async throws -> (TestDatabase, FaultProxy, EventStore) {
        let database = try await TestCluster.shared.freshDatabase()
        let proxy = try FaultProxy(cluster: database.cluster.home)
        let conninfo = proxy.conninfo(database: database.name)
        let store = EventStore(connection: try await PostgresConnection.connect(conninfo),
                               resolver: CommitResolver(conninfo: conninfo, timeout: timeout))
        return (database, proxy, store)
    }

    @Test("committed but the acknowledgement lost: answered as a success with the stored positions")
    func ackLost() async throws {
        let (database, proxy, store) = try await Self.setUp()
        defer { proxy.stop() }
        let warmUp = try await store.append(try Self.batch("warm"))
        #expect(warmUp.positions == [1, 2, 3])
        let events = try Self.batch("lost-ack")
        proxy.arm(.dropCommitReply)
        let outcome = try await store.append(events)
        #expect(proxy.fired == 1)
        #expect(outcome.positions == [4, 5, 6])
        #expect(outcome.appended == 3 && outcome.duplicates == 0)
        #expect(outcome.recordedAt != nil)
        // Stored exactly once, where the answer said; a client's re-send is a repeat.
        let positions = try await Self.stored(database, events)
        #expect(events.map { positions[$0.eventId] ?? [] } == [[4], [5], [6]])
        let again = try await database.store().append(events)
        #expect(again.positions == [4, 5, 6] && again.duplicates == 3)
        #expect(try await database.store().count() == 6)
    }

    @Test("COMMIT never reached the server: answered 'not committed', and a re-send appends once")
    func commitNotSent() async throws {
        let (database, proxy, store) = try await Self.setUp()
        defer { proxy.stop() }
        let events = try Self.batch("no-commit")
        proxy.arm(.dropCommitRequest)
        let error = await #expect(throws: LedgerError.self) { try await store.append(events) }
        #expect(proxy.fired == 1)
        #expect(error?.code == .databaseUnavailable)
        #expect(error?.details["commit"] == "no")
        #expect(try await Self.stored(database, events).isEmpty)
        let retry = try await database.store().append(events)
        #expect(retry.positions == [1, 2, 3] && retry.appended == 3)
        #expect(try await Self.stored(database, events).values.map(\.count) == [1, 1, 1])
    }

    @Test("a half-open session holding the append lock is terminated, then resolved as not committed")
    func halfOpen() async throws {
        // Without terminating the lost session, the lookup would wait for its
        // append lock for the whole timeout and answer "unknown".
        let (database, proxy, store) = try await Self.setUp(timeout: .seconds(60))
        defer { proxy.stop() }
        let lost = try #require(await store.connection.backend)
        let events = try Self.batch("half-open")
        proxy.arm(.dropCommitRequestHalfOpen)
        let error = await #expect(throws: LedgerError.self) { try await store.append(events) }
        #expect(proxy.fired == 1)
        #expect(error?.details["commit"] == "no", "\(String(describing: error))")
        #expect(try await Self.stored(database, events).isEmpty)
        let check = try await database.connect()
        defer { Task { await check.close() } }
        let alive = try await check.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int AND backend_start = $2::timestamptz",
                                            [.int8(lost.pid), .text(lost.startedAt)])
        #expect(alive.int(0, 0) == 0)
        // The ledger takes appends again (the lock was released).
        #expect(try await database.store().append(events).appended == 3)
    }

    @Test("the database out of reach during the resolution: reported unknown, never guessed")
    func unreachable() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let proxy = try FaultProxy(cluster: database.cluster.home)
        let unreachable = try FaultProxy(cluster: database.cluster.home)
        defer { proxy.stop(); unreachable.stop() }
        unreachable.refuse(true)
        let store = EventStore(connection: try await PostgresConnection.connect(proxy.conninfo(database: database.name)),
                               resolver: CommitResolver(conninfo: unreachable.conninfo(database: database.name), timeout: .seconds(1)))
        let events = try Self.batch("unknown")
        proxy.arm(.dropCommitReply)
        let error = await #expect(throws: LedgerError.self) { try await store.append(events) }
        #expect(error?.code == .databaseUnavailable)
        #expect(error?.details["commit"] == "unknown")
        #expect(error?.message.contains("same eventIds") == true)
        // It did commit: "unknown" was the honest answer, and a re-send is a repeat.
        let again = try await database.store().append(events)
        #expect(again.duplicates == 3 && again.positions == [1, 2, 3])
    }

    @Test("group commit: each request of an ack-lost transaction gets its own positions")
    func groupCommitAckLost() async throws {
        let (database, proxy, store) = try await Self.setUp()
        defer { proxy.stop() }
        let first = try Self.batch("g1"), second = try Self.batch("g2")
        let repeated = try await database.store().append([first[0]])
        #expect(repeated.positions == [1])
        proxy.arm(.dropCommitReply)
        let results = try await store.append(requests: [first, second])
        let a = try results[0].get(), b = try results[1].get()
        #expect(a.positions == [1, 2, 3] && a.isDuplicate == [true, false, false])
        #expect(b.positions == [4, 5, 6] && b.appended == 3)
        let positions = try await Self.stored(database, first + second)
        #expect((first + second).map { positions[$0.eventId] ?? [] } == [[1], [2], [3], [4], [5], [6]])
    }

    @Test("a fault armed for the second connection lets the first one's COMMIT through")
    func faultForOneConnection() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let proxy = try FaultProxy(cluster: database.cluster.home)
        defer { proxy.stop() }
        let first = try await PostgresConnection.connect(proxy.conninfo(database: database.name))
        let second = try await PostgresConnection.connect(proxy.conninfo(database: database.name))
        defer { Task { await first.close(); await second.close() } }
        proxy.arm(.dropCommitRequest, connection: 1)
        for connection in [first, second] { try await connection.execute("BEGIN") }
        try await first.execute("COMMIT")
        #expect(proxy.fired == 0)
        await #expect(throws: LedgerError.self) { try await second.execute("COMMIT") }
        #expect(proxy.fired == 1)
    }

    @Test("the verdict: committed only for every id at consecutive positions in insert order")
    func verdictRule() {
        let ids = [UUID(), UUID(), UUID()]
        func at(_ positions: [Int?]) -> [UUID: (position: Int, recordedAt: String)] {
            var stored: [UUID: (position: Int, recordedAt: String)] = [:]
            for (id, position) in zip(ids, positions) { if let position { stored[id] = (position, "t") } }
            return stored
        }
        #expect(CommitResolver.verdict(ids, at([7, 8, 9])) == .committed(firstPosition: 7, recordedAt: "t"))
        #expect(CommitResolver.verdict(ids, at([nil, nil, nil])) == .notCommitted(stored: [:]))
        #expect(CommitResolver.verdict(ids, at([7, 9, 8])) != .committed(firstPosition: 7, recordedAt: "t"))
        #expect(CommitResolver.verdict(ids, at([7, nil, 9])) == .notCommitted(stored: [ids[0]: 7, ids[2]: 9]))
    }
}
