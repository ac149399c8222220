import Foundation
import Ledger
import LedgerTestSupport
import Projections
import Testing

/// A rebuild of counts with a helper connection (`mcledger projections
/// rebuild` opens one): every other chunk's deltas are computed ahead by
/// `mcledger.rebuild_stage` and applied by the step that reaches that range.
@Suite("Staged rebuild of counts")
struct StagedRebuildTests {
    static func stagedRows(_ connection: PostgresConnection, _ from: Int, _ to: Int) async throws -> Int {
        try await connection.execute(
            "SELECT count(*) FROM mcledger.status_count_stage_rebuild WHERE from_position = $1 AND to_position = $2",
            [.int8(from), .int8(to)]).int(0, 0) ?? -1
    }

    /// A fresh ledger holding a random legal history of `count` events.
    static func ledger(seed: UInt64, count: Int) async throws -> (RandomHistory, EventStore) {
        let history = RandomHistory(seed: seed, count: count)
        let store = try await TestCluster.shared.freshDatabase().store()
        _ = try await store.append(lines: history.lines)
        return (history, store)
    }

    @Test("with a helper staging every other chunk, the rebuild equals the oracle and the serial rebuild; the staging table is dropped", arguments: [31, 97] as [Int])
    func helperRebuildEqualsSerial(_ chunkEvents: Int) async throws {
        let history = RandomHistory(seed: 41, count: 700)
        let database = try await TestCluster.shared.freshDatabase()
        let store = try await database.store()
        _ = try await store.append(lines: history.lines)
        let projector = Projector(connection: store.connection)
        _ = try await projector.rebuild("counts", chunkEvents: chunkEvents)
        let serial = try await ProjectionPropertyTests.tables(store.connection)

        let helper = try await database.connect()
        let report = try await projector.rebuild("counts", chunkEvents: chunkEvents, helper: helper)
        await helper.close()
        #expect(report.events == history.lines.count)
        #expect(try await ProjectionReader(store: store).counts() == history.counts(at: history.lines.count))
        #expect(try await ProjectionPropertyTests.tables(store.connection) == serial)
        let staging = try await store.connection.execute("SELECT to_regclass('mcledger.status_count_stage_rebuild') IS NULL")
        #expect(staging.bool(0, 0) == true, "the staging table outlived the rebuild")
    }

    @Test("a staged range is applied by the step that reaches exactly it (and consumed); other ranges are computed")
    func stagedRangeIsConsumed() async throws {
        let (history, store) = try await Self.ledger(seed: 43, count: 300)
        let connection = store.connection
        _ = try await connection.execute("SELECT mcledger.rebuild_begin('counts')")
        let staged = try await connection.execute("SELECT mcledger.rebuild_stage('counts', 50, 100)").int(0, 0) ?? -1
        #expect(staged >= 0)
        #expect(try await Self.stagedRows(connection, 50, 100) == staged + 1, "the deltas and the marker row")
        // (0, 50] is not staged: computed by the step; the staged range stays.
        #expect(try await connection.execute("SELECT mcledger.rebuild_step('counts', 50)").int(0, 0) == 50)
        #expect(try await Self.stagedRows(connection, 50, 100) == staged + 1)
        // (50, 100] is: applied from the stage, which is then empty.
        #expect(try await connection.execute("SELECT mcledger.rebuild_step('counts', 50)").int(0, 0) == 100)
        #expect(try await Self.stagedRows(connection, 50, 100) == 0)
        _ = try await connection.execute("SELECT mcledger.rebuild_finish('counts', 0)")
        #expect(try await ProjectionReader(store: store).counts() == history.counts(at: history.lines.count))
    }

    @Test("rebuild_stage refuses a range that is not complete, another projection, and staging without a rebuild")
    func stageRefusals() async throws {
        let (_, store) = try await Self.ledger(seed: 47, count: 120)
        let connection = store.connection
        func refusal(_ sql: String) async -> LedgerError? {
            do {
                _ = try await connection.execute(sql)
                return nil
            } catch {
                return error
            }
        }
        let noRebuild = await refusal("SELECT mcledger.rebuild_stage('counts', 0, 50)")
        #expect(noRebuild?.code == .invalidInput)
        #expect(noRebuild?.message.contains("no rebuild of counts in progress") == true, "\(noRebuild?.message ?? "")")
        _ = try await connection.execute("SELECT mcledger.rebuild_begin('counts')")
        // Beyond the head: deltas of a range still being appended would be wrong later.
        let incomplete = await refusal("SELECT mcledger.rebuild_stage('counts', 100, 200)")
        #expect(incomplete?.code == .invalidInput)
        #expect(incomplete?.message.contains("not a complete range") == true, "\(incomplete?.message ?? "")")
        let other = await refusal("SELECT mcledger.rebuild_stage('readiness', 0, 50)")
        #expect(other?.code == .invalidInput)
        #expect(try await Self.stagedRows(connection, 100, 200) == 0)
    }
}
