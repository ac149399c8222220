import Foundation
import Ledger
import LedgerTestSupport
import Testing

@Suite("Append path")
struct AppendTests {
    @Test("positions and versions are gapless and the stored chain matches its SQL definition")
    func positionsVersionsAndChain() async throws {
        let store = try await TestCluster.shared.freshDatabase().store()
        let first = try await store.append(lines: [
            Fixtures.instance("exec-01"),
            Fixtures.workflow("Created", instance: "exec-01", workflow: "rtEventsProcessing"),
            Fixtures.workflow("Started", instance: "exec-01", workflow: "rtEventsProcessing"),
        ])
        #expect(first.positions == [1, 2, 3])
        #expect(first.appended == 3 && first.duplicates == 0)
        let second = try await store.append(lines: [Fixtures.workflow("Paused", instance: "exec-01", workflow: "rtEventsProcessing")])
        #expect(second.positions == [4])
        let versions = try await store.readStream("workflow-exec-01.rtEventsProcessing").map(\.version)
        #expect(versions == [1, 2, 3])
        let rows = try await store.connection.execute("""
            SELECT position, hash = mcledger.hash_chain(mcledger.genesis_hash(),
                mcledger.canonical_bytes(position, stream, version, event_id, type, data, metadata, recorded_at))
                OVER (ORDER BY position) FROM mcledger.events ORDER BY position
            """)
        #expect(rows.count == 4)
        for row in 0..<rows.count { #expect(rows.bool(row, 1) == true) }
        let report = try await Verifier(store: store).verify()
        #expect(report.ok, "\(report.problems)")
        #expect(report.checked == 4)
    }

    @Test("an append calls no sql function as a function: the ones its statements use are inlined (track_functions counts no calls per append)")
    func appendInlinesItsSQLFunctions() async throws {
        let store = try await TestCluster.shared.freshDatabase().store(cached: false)
        let connection = store.connection
        _ = try await connection.execute("SET track_functions = 'all'")
        // Calls of mcledger's sql functions so far, by name (planning may fold
        // a constant one once per session: only calls per append count).
        func sqlCalls() async throws -> [String: Int] {
            _ = try await connection.execute("SELECT pg_stat_force_next_flush()")
            let rows = try await connection.execute("""
                SELECT f.funcname, f.calls FROM pg_stat_user_functions f JOIN pg_proc p ON p.oid = f.funcid
                WHERE f.schemaname = 'mcledger' AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'sql')
                """)
            var calls: [String: Int] = [:]
            for row in 0..<rows.count { calls[rows.string(row, 0) ?? "?", default: 0] += rows.int(row, 1) ?? 0 }
            return calls
        }
        func appendCalls() async throws -> Int {
            try await connection.execute("SELECT coalesce(sum(calls), 0) FROM pg_stat_user_functions WHERE funcname = 'append_events'").int(0, 0) ?? 0
        }
        _ = try await store.append(lines: [Fixtures.instance("exec-01")])
        let before = try await sqlCalls()
        let appendsBefore = try await appendCalls()
        _ = try await store.append(lines: [Fixtures.workflow("Created", instance: "exec-01", workflow: "rtEventsProcessing")])
        _ = try await store.append(lines: [Fixtures.workflow("Started", instance: "exec-01", workflow: "rtEventsProcessing"),
                                           Fixtures.instance("exec-02")])
        let after = try await sqlCalls()
        let called = after.filter { $0.value > before[$0.key, default: 0] }.map { "\($0.key) x\($0.value - before[$0.key, default: 0])" }
        #expect(called.isEmpty, "sql functions called (not inlined) during appends: \(called)")
        // The counting itself works: both calls of append_events (plpgsql) were counted.
        #expect(try await appendCalls() - appendsBefore == 2)
    }

    @Test("a batch is appended whole or not at all")
    func atomicBatch() async throws {
        let store = try await TestCluster.shared.freshDatabase().store()
        await #expect(throws: LedgerError.self) {
            try await store.append(lines: [
                Fixtures.instance("exec-01"),
                Fixtures.workflow("Created", instance: "exec-01", workflow: "rtEventsProcessing"),
                Fixtures.workflow("Paused", instance: "exec-01", workflow: "rtEventsProcessing"), // illegal: beingEdited -> paused
            ])
        }
        #expect(try await store.count() == 0)
    }

    @Test("re-appending the same eventIds appends nothing and returns the original positions")
    func idempotentRepeats() async throws {
        let store = try await TestCluster.shared.freshDatabase().store()
        let ids = (0..<5).map { _ in UUID() }
        let lines = ids.enumerated().map { index, id in
            Fixtures.status("pending", instance: "exec-01", eventId: "e\(index)", id: id)
        }
        let first = try await store.append(lines: lines)
        #expect(first.appended == 5)
        let again = try await store.append(lines: lines)
        #expect(again.appended == 0 && again.duplicates == 5)
        #expect(again.positions == first.positions)
        #expect(try await store.count() == 5)
        // A repeat is recognised before any other check: mixed with new events, only the new ones append.
        let next = Fixtures.status("pendingDelivery", instance: "exec-01", eventId: "e0")
        let mixed = try await store.append(lines: lines + [next])
        #expect(mixed.appended == 1 && mixed.duplicates == 5 && mixed.positions.last == 6)
        // Within one batch, a repeated id is acknowledged once.
        let id = UUID()
        let twice = Fixtures.status("pending", instance: "exec-01", eventId: "e9", id: id)
        let inBatch = try await store.append(lines: [twice, twice])
        #expect(inBatch.appended == 1 && inBatch.duplicates == 1 && inBatch.positions == [7, 7])
    }

    @Test("the same eventId with other content is a conflict and appends nothing")
    func reusedIdConflicts() async throws {
        let store = try await TestCluster.shared.freshDatabase().store()
        let id = UUID()
        _ = try await store.append(lines: [Fixtures.status("pending", instance: "exec-01", eventId: "e1", id: id)])
        let error = await #expect(throws: LedgerError.self) {
            try await store.append(lines: [
                Fixtures.status("pending", instance: "exec-01", eventId: "e2"),
                Fixtures.status("pending", instance: "exec-01", eventId: "e3", id: id),
            ])
        }
        #expect(error?.code == .conflict)
        #expect(error?.details["index"] == "1")
        #expect(try await store.count() == 1)
    }

    @Test("expectedVersion: a stale caller gets a conflict naming the stream, expected and actual version")
    func expectedVersionConflict() async throws {
        let store = try await TestCluster.shared.freshDatabase().store()
        _ = try await store.append(lines: [Fixtures.instance("exec-01")])
        let stale = Fixtures.line(type: "WorkflowCreated", data: ["instance": "exec-01", "workflow": "x"], expectedVersion: 3)
        let error = await #expect(throws: LedgerError.self) { try await store.append(lines: [stale]) }
        #expect(error?.code == .conflict)
        #expect(error?.details["stream"] == "workflow-exec-01.x")
        #expect(error?.details["expected"] == "3")
        #expect(error?.details["actual"] == "0")
        // expectedVersion is checked before domain rules: an illegal transition with a stale version is a conflict.
        let staleAndIllegal = Fixtures.line(type: "WorkflowPaused", data: ["instance": "exec-01", "workflow": "x"], expectedVersion: 7)
        let second = await #expect(throws: LedgerError.self) { try await store.append(lines: [staleAndIllegal]) }
        #expect(second?.code == .conflict)
        let fresh = Fixtures.line(type: "WorkflowCreated", data: ["instance": "exec-01", "workflow": "x"], expectedVersion: 0)
        #expect(try await store.append(lines: [fresh]).positions == [2])
    }

    @Test("8 racers with the same expectedVersion: exactly one wins, seven get a conflict")
    func expectedVersionRace() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let setup = try await database.store()
        _ = try await setup.append(lines: [
            Fixtures.workflow("Created", instance: "exec-01", workflow: "w"),
            Fixtures.workflow("Started", instance: "exec-01", workflow: "w"),
        ])
        let racers = 8
        let stores = try await (0..<racers).asyncMap { _ in try await database.store() }
        let outcomes = await withTaskGroup(of: LedgerError.Code?.self) { group in
            for store in stores {
                group.addTask {
                    let line = Fixtures.line(type: "WorkflowPaused", data: ["instance": "exec-01", "workflow": "w"], expectedVersion: 2)
                    do {
                        _ = try await store.append(lines: [line])
                        return nil
                    } catch let error as LedgerError {
                        return error.code
                    } catch {
                        return .internal
                    }
                }
            }
            var results: [LedgerError.Code?] = []
            for await result in group { results.append(result) }
            return results
        }
        #expect(outcomes.filter { $0 == nil }.count == 1)
        #expect(outcomes.filter { $0 == .conflict }.count == racers - 1)
        #expect(try await setup.count() == 3)
    }

    @Test("hostile strings are stored verbatim", arguments: [
        "it's \"quoted\" \\ back\\slash",
        "'); DROP TABLE mcledger.events; --",
        "$1 $$ dollar $tag$ E'\\x00'",
        "Ünïcödé — 日本語 — 🚀👩‍👩‍👧 — \u{200F}rtl\u{200E}",
        "line\nbreak\ttab\r\u{0001}\u{001F}",
        "%s %n {{template}} <script>alert(1)</script>",
    ])
    func hostileStrings(_ text: String) async throws {
        let store = try await TestCluster.shared.freshDatabase().store()
        let line = Fixtures.line(type: "WorkflowFailed", data: ["instance": "exec-01", "workflow": "w", "error": text])
        _ = try await store.append(lines: [
            Fixtures.workflow("Created", instance: "exec-01", workflow: "w"),
            Fixtures.workflow("Started", instance: "exec-01", workflow: "w"),
            line,
        ])
        let stored = try await store.readStream("workflow-exec-01.w").last
        let data = try JSONValue.parse(Array(try #require(stored).data.utf8))
        #expect(data["error"]?.stringValue == text)
        let report = try await Verifier(store: store).verify()
        #expect(report.ok)
    }
}

extension Sequence {
    /// Maps with an async transform, in order.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
