import Foundation
import Ledger
import LedgerTestSupport
import Testing

/// A reader that follows positions must never see position N+1 while N is
/// still invisible, whatever order concurrent appenders commit in.
@Suite("Concurrent appenders and a following reader")
struct ConcurrencyTests {
    /// Polls `position > last` and records every gap it ever sees.
    actor Follower {
        private(set) var last = 0
        private(set) var gaps: [String] = []

        func poll(_ connection: PostgresConnection) async throws {
            let page = try await connection.execute("SELECT position FROM mcledger.events WHERE position > $1 ORDER BY position LIMIT 10000", [.int8(last)])
            for row in 0..<page.count {
                let position = page.int(row, 0) ?? -1
                if position != last + 1 { gaps.append("saw \(position) right after \(last)") }
                last = position
            }
        }
    }

    @Test("8 appenders and a reader following positions: no gap is ever observed")
    func concurrentAppendersWithFollower() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let appenders = 8, batches = 25, batchSize = 20
        let stores = try await (0..<appenders).asyncMap { _ in try await database.store() }
        let readerConnection = try await database.connect()
        let follower = Follower()
        let done = Locked(false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while !done.value { try await follower.poll(readerConnection) }
                try await follower.poll(readerConnection)
            }
            try await withThrowingTaskGroup(of: Void.self) { writers in
                for (index, store) in stores.enumerated() {
                    writers.addTask {
                        for batch in 0..<batches {
                            let lines = (0..<batchSize).map { n in
                                Fixtures.status("pending", instance: "exec-\(index)", eventId: "b\(batch)-\(n)")
                            }
                            _ = try await store.append(lines: lines)
                        }
                    }
                }
                try await writers.waitForAll()
            }
            done.set(true)
            try await group.waitForAll()
        }
        let total = appenders * batches * batchSize
        #expect(await follower.gaps == [])
        #expect(await follower.last == total)
        let check = try await readerConnection.execute("SELECT count(*), min(position), max(position) FROM mcledger.events")
        #expect(check.int(0, 0) == total && check.int(0, 1) == 1 && check.int(0, 2) == total)
        #expect(try await Verifier(store: EventStore(connection: readerConnection)).verify().ok)
    }

    @Test("deterministic race: an appender held inside its COMMIT holds back the next, and the reader never skips")
    func slowCommitCannotBeSkipped() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let admin = try await database.connect()
        // Test-only: a deferred constraint trigger runs at COMMIT time, so the
        // transaction that appended a 'SlowCommit' event waits there for an
        // advisory lock (the gate) that this test holds: the window stays open
        // until the test closes it, however loaded the machine is.
        try await admin.executeScript("""
            CREATE FUNCTION public.wait_before_commit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_advisory_lock(\(Self.gate)); PERFORM pg_advisory_unlock(\(Self.gate)); RETURN NULL; END $$;
            CREATE CONSTRAINT TRIGGER wait_before_commit AFTER INSERT ON mcledger.events
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.type = 'SlowCommit')
                EXECUTE FUNCTION public.wait_before_commit();
            """)
        _ = try await admin.execute("SELECT pg_advisory_lock(\(Self.gate))")
        let slow = try await database.store()
        let fast = try await database.store()
        let reader = try await database.connect()
        _ = try await fast.append(lines: [Fixtures.instance("exec-01")])

        let slowLine = "{\"type\":\"SlowCommit\",\"stream\":\"test-slow\",\"data\":{}}"
        let slowTask = Task { try await slow.append(lines: [slowLine], raw: true) }
        // Wait until the slow transaction is observed waiting at the gate
        // inside its COMMIT (it holds the append lock).
        var waiting = false
        for _ in 0..<3_000 where !waiting {
            try await Task.sleep(for: .milliseconds(10))
            waiting = try await Self.slowIsWaiting(reader)
        }
        try #require(waiting, "the slow appender reached its COMMIT")
        let started = Date()
        let fastTask = Task { try await fast.append(lines: [Fixtures.instance("exec-02")]) }

        // While the slow transaction is inside COMMIT, the reader must not see
        // anything past position 1 (the fast append, queued behind the lock,
        // must not become visible either).
        let follower = Follower()
        for _ in 0..<5 {
            try await follower.poll(reader)
            let seen = await follower.last
            #expect(seen == 1, "position \(seen) visible while position 2 is still committing")
            try await Task.sleep(for: .milliseconds(60))
        }
        #expect(try await Self.slowIsWaiting(reader), "the window was open during every poll")
        _ = try await admin.execute("SELECT pg_advisory_unlock(\(Self.gate))")
        let slowOutcome = try await slowTask.value
        let fastOutcome = try await fastTask.value
        let fastWaited = Date().timeIntervalSince(started)
        try await follower.poll(reader)
        #expect(slowOutcome.positions == [2])
        #expect(fastOutcome.positions == [3])
        #expect(fastWaited > 0.2, "the second appender must wait for the first to commit")
        #expect(await follower.gaps == [])
        #expect(await follower.last == 3)
    }
}

extension ConcurrencyTests {
    /// The advisory lock key the test trigger waits for.
    static let gate = 7_171_717

    /// True while a backend of this database waits for the gate in the test
    /// trigger (inside COMMIT). A bigint advisory key shows in pg_locks as
    /// classid (high 32 bits), objid (low 32 bits), objsubid 1.
    static func slowIsWaiting(_ connection: PostgresConnection) async throws -> Bool {
        try await connection.execute("""
            SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
            WHERE l.locktype = 'advisory' AND NOT l.granted AND l.classid = 0 AND l.objid = \(gate)
              AND l.objsubid = 1 AND d.datname = current_database()
            """).int(0, 0) == 1
    }
}
