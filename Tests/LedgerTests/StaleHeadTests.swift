import Foundation
import Ledger
import LedgerTestSupport
import Testing

/// An append validated against cached stream heads is one round trip; when
/// another writer moved a stream meanwhile, `append_events` refuses it and
/// the append is checked again against the ledger as it is. Answers must be
/// exactly those of a store without a cache.
@Suite("Appends validated against cached heads")
struct StaleHeadTests {
    private static let stream = "workflow-exec-01.w"
    /// `append_events` called directly, its six arrays as parameters 1-6.
    private static let appendEvents =
        "SELECT * FROM mcledger.append_events($1::text[], $2::uuid[], $3::text[], $4::jsonb[], $5::jsonb[], $6::int4[])"

    @Test("a cached head another writer moved: the append is re-checked and refused as without a cache, nothing appended")
    func movedHeadIsRecheckedAndRefused() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let mine = try await database.store()
        let other = try await database.store()
        _ = try await mine.append(lines: [Fixtures.workflow("Created", instance: "exec-01", workflow: "w")])
        _ = try await other.append(lines: [Fixtures.workflow("Started", instance: "exec-01", workflow: "w")])
        // mine still caches version 1 (beingEdited), from which Started is legal.
        let error = await #expect(throws: LedgerError.self) {
            try await mine.append(lines: [Fixtures.workflow("Started", instance: "exec-01", workflow: "w")])
        }
        let uncached = try await database.store(cached: false)
        let reference = await #expect(throws: LedgerError.self) {
            try await uncached.append(lines: [Fixtures.workflow("Started", instance: "exec-01", workflow: "w")])
        }
        #expect(error?.code == reference?.code)
        #expect(error?.message == reference?.message)
        #expect(try await mine.count() == 2)
        // Refreshed by the re-check: the next legal append goes through at version 3.
        let paused = try await mine.append(lines: [Fixtures.workflow("Paused", instance: "exec-01", workflow: "w")])
        #expect(paused.positions == [3])
        #expect(try await mine.readStream(Self.stream).map(\.version) == [1, 2, 3])
    }

    @Test("a cached head another writer moved, and the append is still legal there: appended after the other writer's event")
    func movedHeadStillLegal() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let mine = try await database.store()
        let other = try await database.store()
        _ = try await mine.append(lines: [
            Fixtures.workflow("Created", instance: "exec-01", workflow: "w"),
            Fixtures.workflow("Started", instance: "exec-01", workflow: "w"),
        ])
        _ = try await other.append(lines: [Fixtures.workflow("Paused", instance: "exec-01", workflow: "w")])
        _ = try await other.append(lines: [Fixtures.workflow("Started", instance: "exec-01", workflow: "w")])
        // mine caches version 2 (started): Paused validates there, and is legal at version 4 too.
        let outcome = try await mine.append(lines: [Fixtures.workflow("Paused", instance: "exec-01", workflow: "w")])
        #expect(outcome.positions == [5])
        #expect(try await mine.readStream(Self.stream).map(\.version) == [1, 2, 3, 4, 5])
        #expect(try await Verifier(store: mine).verify().ok)
    }

    @Test("a stream the cache does not know is taken to be new; if it exists, the append is re-checked")
    func unknownStreamThatExists() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let mine = try await database.store()
        let other = try await database.store()
        _ = try await other.append(lines: [Fixtures.workflow("Created", instance: "exec-01", workflow: "w")])
        // Created is legal on a new stream, so mine tries it as version 1; the stream is at 1 already.
        let error = await #expect(throws: LedgerError.self) {
            try await mine.append(lines: [Fixtures.workflow("Created", instance: "exec-01", workflow: "w")])
        }
        #expect(error?.details["sqlstate"] == nil, "the refusal comes from the domain check, not from the database: \(String(describing: error))")
        #expect(error?.details["index"] == "0")
        #expect(try await mine.count() == 1)
        // A stale expectedVersion 0 is a conflict naming the stream's real version.
        let expected = Fixtures.line(type: "WorkflowCreated", data: ["instance": "exec-01", "workflow": "v"], expectedVersion: 0)
        _ = try await other.append(lines: [expected])
        let conflict = await #expect(throws: LedgerError.self) {
            try await mine.append(lines: [expected])
        }
        #expect(conflict?.code == .conflict)
        #expect(conflict?.details["expected"] == "0" && conflict?.details["actual"] == "1")
        #expect(try await mine.count() == 2)
    }

    @Test("an id another writer stored: the repeat is acknowledged with the original position, not appended twice")
    func repeatThroughTheFastPath() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let mine = try await database.store()
        let other = try await database.store()
        let id = UUID()
        let line = Fixtures.status("pending", instance: "exec-01", eventId: "e1", id: id)
        let first = try await other.append(lines: [line])
        let again = try await mine.append(lines: [line])
        #expect(again.positions == first.positions)
        #expect(again.duplicates == 1 && again.appended == 0)
        #expect(try await mine.count() == 1)
    }

    @Test("append_events checks the heads it is given", arguments: [
        // (stated head, expected SQLSTATE) for a stream at version 2
        (0, "23505"), (1, "23505"), (3, "MLCF1"), (-1, "MLIN1"),
    ])
    func statedHeadsAreChecked(stated: Int, sqlstate: String) async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let store = try await database.store()
        _ = try await store.append(lines: [
            Fixtures.workflow("Created", instance: "exec-01", workflow: "w"),
            Fixtures.workflow("Started", instance: "exec-01", workflow: "w"),
        ])
        let connection = try await database.connect(as: "mcledger_append")
        let error = await #expect(throws: LedgerError.self) {
            try await connection.execute(
                Self.appendEvents,
                [.textArray([Self.stream]), .uuidArray([UUID()]), .textArray(["WorkflowPaused"]),
                 .jsonbArray(["{\"instance\":\"exec-01\",\"workflow\":\"w\"}"]), .jsonbArray(["{}"]), .int4Array([Int32(stated)])])
        }
        #expect(error?.details["sqlstate"] == sqlstate)
        #expect(try await store.count() == 2)
        // The true head is accepted, and the version follows it.
        _ = try await connection.execute(
            Self.appendEvents,
            [.textArray([Self.stream]), .uuidArray([UUID()]), .textArray(["WorkflowPaused"]),
             .jsonbArray(["{\"instance\":\"exec-01\",\"workflow\":\"w\"}"]), .jsonbArray(["{}"]), .int4Array([2])])
        #expect(try await store.readStream(Self.stream).map(\.version) == [1, 2, 3])
    }

    @Test("append_events probes a stream's stated head at its first event in the batch, and names the first stale stream in batch order")
    func statedHeadsAreProbedAtEachStreamsFirstEvent() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let store = try await database.store()
        let connection = try await database.connect(as: "mcledger_append")
        func append(_ streams: [String], bases: [Int32]) async throws {
            _ = try await connection.execute(
                Self.appendEvents,
                [.textArray(streams), .uuidArray(streams.map { _ in UUID() }), .textArray(streams.map { _ in "Noted" }),
                 .jsonbArray(streams.map { _ in "{}" }), .jsonbArray(streams.map { _ in "{}" }), .int4Array(bases)])
        }
        try await append(["test-a", "test-z"], bases: [0, 0])
        // Both stated heads are wrong: the error names test-z, the batch's first, though test-a sorts first.
        let error = await #expect(throws: LedgerError.self) {
            try await append(["test-z", "test-a", "test-z"], bases: [5, 5, 5])
        }
        #expect(error?.details["sqlstate"] == "MLCF1")
        #expect(error?.message.contains("'test-z' is not at version 5") == true, "\(String(describing: error))")
        // Only a stream's first event states its head; the bases of its later events are not read.
        try await append(["test-a", "test-z", "test-a"], bases: [1, 1, 9])
        #expect(try await store.readStream("test-a").map(\.version) == [1, 2, 3])
        #expect(try await store.readStream("test-z").map(\.version) == [1, 2])
        let report = try await Verifier(store: store).verify()
        #expect(report.ok, "\(report)")
    }

    @Test("append_events refuses arrays that are not one-dimensional from index 1, which would pair a hash with another row", arguments: [
        "array_fill('{\"actor\":\"x\"}'::jsonb, ARRAY[2], ARRAY[0])",
        "array_fill('{\"actor\":\"x\"}'::jsonb, ARRAY[2], ARRAY[2])",
        "array_fill('{\"actor\":\"x\"}'::jsonb, ARRAY[2, 1])",
    ])
    func arrayShapesAreChecked(metadata: String) async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let store = try await database.store()
        _ = try await store.append(lines: [Fixtures.instance("exec-01")])
        let connection = try await database.connect(as: "mcledger_append")
        let error = await #expect(throws: LedgerError.self) {
            try await connection.execute(
                "SELECT * FROM mcledger.append_events($1::text[], $2::uuid[], $3::text[], $4::jsonb[], \(metadata), $5::int4[])",
                [.textArray(["test-a", "test-b"]), .uuidArray([UUID(), UUID()]), .textArray(["Noted", "Noted"]),
                 .jsonbArray(["{}", "{}"]), .int4Array([0, 0])])
        }
        #expect(error?.details["sqlstate"] == "MLIN1")
        #expect(try await store.count() == 1)
        let report = try await Verifier(store: store).verify()
        #expect(report.ok, "\(report)")
    }
}

@Suite("Drafts: the next batch checked while one commits")
struct AppendDraftTests {
    private static func events(_ lines: [String]) throws -> [ProposedEvent] {
        try lines.map { try Fixtures.event($0) }
    }

    @Test("a draft made after another commits after it, continuing its streams")
    func draftAfterDraft() async throws {
        let store = try await TestCluster.shared.freshDatabase().store()
        let first = try #require(store.draft([Self.events([
            Fixtures.instance("exec-01"),
            Fixtures.workflow("Created", instance: "exec-01", workflow: "w"),
        ])], after: []))
        let second = try #require(store.draft([Self.events([
            Fixtures.workflow("Started", instance: "exec-01", workflow: "w"),
            Fixtures.workflow("Paused", instance: "exec-01", workflow: "w"),
        ])], after: [first]))
        #expect(try await store.append(first)[0].get().positions == [1, 2])
        #expect(try await store.append(second)[0].get().positions == [3, 4])
        #expect(try await store.readStream("workflow-exec-01.w").map(\.version) == [1, 2, 3])
        // Paused is illegal when paused: no draft is made (the answer must come from the ledger).
        #expect(try store.draft([Self.events([Fixtures.workflow("Paused", instance: "exec-01", workflow: "w")])], after: []) == nil)
    }

    @Test("the batch before did not commit as drafted (another writer moved its stream): the next draft is re-checked")
    func predecessorCommittedOtherwise() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let store = try await database.store()
        let other = try await database.store()
        _ = try await store.append(lines: [
            Fixtures.workflow("Created", instance: "exec-01", workflow: "w"),
            Fixtures.workflow("Started", instance: "exec-01", workflow: "w"),
        ])
        let first = try #require(store.draft([Self.events([Fixtures.workflow("Paused", instance: "exec-01", workflow: "w")])], after: []))
        let second = try #require(store.draft([Self.events([Fixtures.workflow("Started", instance: "exec-01", workflow: "w")])], after: [first]))
        // Meanwhile: paused and started again by someone else (versions 3 and 4).
        _ = try await other.append(lines: [
            Fixtures.workflow("Paused", instance: "exec-01", workflow: "w"),
            Fixtures.workflow("Started", instance: "exec-01", workflow: "w"),
        ])
        // first was drafted at version 2 (started): refused by the database, re-checked: Paused is legal at 4.
        #expect(try await store.append(first)[0].get().positions == [5])
        // second was drafted on first's Paused at version 3: stale (3 is someone else's), re-checked at 5 (paused): legal.
        #expect(try await store.append(second)[0].get().positions == [6])
        #expect(try await store.readStream("workflow-exec-01.w").map(\.version) == [1, 2, 3, 4, 5, 6])
        #expect(try await Verifier(store: store).verify().ok)
    }

    @Test("a store without a cache makes no drafts")
    func noCacheNoDraft() async throws {
        let store = try await TestCluster.shared.freshDatabase().store(cached: false)
        #expect(try store.draft([Self.events([Fixtures.instance("exec-01")])], after: []) == nil)
    }
}
