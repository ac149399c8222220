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
        let done = ManagedFlag()
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
            done.set()
            try await group.waitForAll()
        }
        let total = appenders * batches * batchSize
        #expect(await follower.gaps == [])
        #expect(await follower.last == total)
        let check = try await readerConnection.execute("SELECT count(*), min(position), max(position) FROM mcledger.events")
        #expect(check.int(0, 0) == total && check.int(0, 1) == 1 && check.int(0, 2) == total)
        #expect(try await Verifier(store: EventStore(connection: readerConnection)).verify().ok)
    }

    @Test("deterministic race: an appender that sleeps before COMMIT holds back the next, and the reader never skips")
    func slowCommitCannotBeSkipped() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let admin = try await database.connect()
        // Test-only: a deferred constraint trigger runs at COMMIT time, so the
        // transaction that appended a 'SlowCommit' event sleeps just before committing.
        try await admin.executeScript("""
            CREATE FUNCTION public.sleep_before_commit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_sleep(4); RETURN NULL; END $$;
            CREATE CONSTRAINT TRIGGER sleep_before_commit AFTER INSERT ON mcledger.events
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.type = 'SlowCommit')
                EXECUTE FUNCTION public.sleep_before_commit();
            """)
        let slow = try await database.store()
        let fast = try await database.store()
        let reader = try await database.connect()
        _ = try await fast.append(lines: [Fixtures.instance("exec-01")])

        let slowLine = "{\"type\":\"SlowCommit\",\"stream\":\"test-slow\",\"data\":{}}"
        let slowTask = Task { try await slow.append(lines: [slowLine], raw: true) }
        // Wait until the slow transaction is observed sleeping inside its COMMIT
        // (it holds the append lock), whatever the machine's load.
        var sleeping = false
        for _ in 0..<200 where !sleeping {
            try await Task.sleep(for: .milliseconds(10))
            sleeping = try await Self.slowIsSleeping(reader)
        }
        #expect(sleeping, "the slow appender reached its COMMIT")
        let started = Date()
        let fastTask = Task { try await fast.append(lines: [Fixtures.instance("exec-02")]) }

        // While the slow transaction is still inside COMMIT, the reader must not
        // see anything past position 1 (the fast append, queued behind the lock,
        // must not become visible either). Only polls that start and end while
        // the slow backend is observed sleeping count, whatever the load.
        let follower = Follower()
        var checkedPolls = 0
        // Poll until a few polls fell inside the window (or it closed): under
        // load a fixed number of polls can all miss it.
        for _ in 0..<400 where checkedPolls < 5 {
            let before = try await Self.slowIsSleeping(reader)
            try await follower.poll(reader)
            let seen = await follower.last
            if before, try await Self.slowIsSleeping(reader) {
                #expect(seen == 1, "position \(seen) visible while position 2 is still committing")
                checkedPolls += 1
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(checkedPolls > 0, "at least one poll ran inside the window")
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
    /// True while a backend of this database sleeps in the test trigger (inside COMMIT).
    static func slowIsSleeping(_ connection: PostgresConnection) async throws -> Bool {
        try await connection.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND datname = current_database()").int(0, 0) == 1
    }
}

/// A thread-safe boolean for stopping loops across tasks.
final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var value: Bool { lock.lock(); defer { lock.unlock() }; return flag }
    func set() { lock.lock(); flag = true; lock.unlock() }
}
