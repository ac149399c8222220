import Foundation
import Ledger
import LedgerTestSupport
import Projections
import Testing

/// Properties of the projections over random legal histories.
@Suite("Projection properties")
struct ProjectionPropertyTests {
    /// Appends `history` in random batch sizes, running the projector in random steps in between.
    static func appendIncrementally(_ history: RandomHistory, _ store: EventStore, seed: UInt64) async throws {
        var random = RandomHistory.Generator(seed: seed)
        let projector = Projector(connection: store.connection)
        var index = 0
        while index < history.lines.count {
            let size = Int.random(in: 1...60, using: &random)
            let batch = Array(history.lines[index..<min(index + size, history.lines.count)])
            _ = try await store.append(lines: batch)
            index += batch.count
            if Bool.random(using: &random) {
                for name in Projector.names { _ = try await projector.step(name, maxEvents: Int.random(in: 1...80, using: &random)) }
            }
        }
        try await projector.catchUp(maxEvents: 37)
    }

    static func tables(_ connection: PostgresConnection) async throws -> [String] {
        let counts = try await connection.execute("SELECT instance || '|' || queue || '|' || event_type || '|' || metric || '=' || n FROM mcledger.status_counts WHERE n <> 0 ORDER BY 1")
        let topology = try await connection.execute("SELECT stream || '|' || first_data::text || '|' || last_type || '|' || version FROM mcledger.topology ORDER BY 1")
        return (0..<counts.count).compactMap { counts.string($0, 0) } + (0..<topology.count).compactMap { topology.string($0, 0) }
    }

    @Test("the incremental projection equals a from-scratch rebuild and the in-memory oracle", arguments: [1, 2, 3] as [UInt64])
    func incrementalEqualsRebuild(_ seed: UInt64) async throws {
        let history = RandomHistory(seed: seed, count: 700)
        let store = try await TestCluster.shared.freshDatabase().store()
        try await Self.appendIncrementally(history, store, seed: seed)
        let incremental = try await Self.tables(store.connection)
        let reader = ProjectionReader(store: store)
        #expect(try await reader.counts() == history.counts(at: history.lines.count))
        #expect(try await reader.readiness() == history.readiness(at: history.lines.count))
        let projector = Projector(connection: store.connection)
        for name in Projector.names { _ = try await projector.rebuild(name, chunkEvents: 97) }
        #expect(try await Self.tables(store.connection) == incremental)
    }

    @Test("as-of answers equal a replay of the prefix, before and after the checkpoint", arguments: [7, 8] as [UInt64])
    func asOfEqualsReplay(_ seed: UInt64) async throws {
        let history = RandomHistory(seed: seed, count: 600)
        let store = try await TestCluster.shared.freshDatabase().store()
        // Half projected (snapshots are taken every 100000 positions, so use a
        // tiny-interval path through the live table and through replays from 0).
        try await Self.appendIncrementally(history, store, seed: seed)
        let reader = ProjectionReader(store: store)
        var random = RandomHistory.Generator(seed: seed)
        for _ in 0..<12 {
            let position = Int.random(in: 0...history.lines.count, using: &random)
            #expect(try await reader.counts(at: .position(position)) == history.counts(at: position), "counts at \(position)")
            #expect(try await reader.readiness(at: .position(position)) == history.readiness(at: position), "readiness at \(position)")
        }
    }

    @Test("a projector killed between batches resumes without double counting; two projectors never apply the same events")
    func killedProjectorResumes() async throws {
        let history = RandomHistory(seed: 11, count: 500)
        let database = try await TestCluster.shared.freshDatabase()
        let store = try await database.store()
        _ = try await store.append(lines: Array(history.lines.prefix(250)))
        _ = try await store.append(lines: Array(history.lines.dropFirst(250)))
        // A projector that applies two batches, then its process dies (connection gone mid-transaction).
        let doomed = try await database.connect()
        let first = Projector(connection: doomed)
        for name in Projector.names { _ = try await first.step(name, maxEvents: 100) }
        try await doomed.execute("BEGIN")
        _ = try await doomed.execute("SELECT mcledger.project('counts', 100)")
        await doomed.close() // killed mid-batch: the open transaction is rolled back
        // Two projectors race to finish.
        let a = Projector(connection: try await database.connect())
        let b = Projector(connection: try await database.connect())
        async let ra = a.catchUp(maxEvents: 23)
        async let rb = b.catchUp(maxEvents: 29)
        _ = try await (ra, rb)
        let counts = try await store.connection.execute("SELECT coalesce(sum(n), 0) FROM mcledger.status_counts WHERE metric NOT IN ('retries', 'lateBounces')")
        let oracle = try history.counts(at: history.lines.count)
        #expect(counts.int(0, 0) == oracle.total)
        #expect(try await ProjectionReader(store: store).counts() == oracle)
        let status = try await Projector(connection: store.connection).status()
        #expect(status.allSatisfy { $0.checkpoint == history.lines.count && $0.lag == 0 })
    }

    @Test("a rebuild interrupted after a few chunks leaves the live projection serving and resumes")
    func interruptedRebuildResumes() async throws {
        let history = RandomHistory(seed: 21, count: 400)
        let store = try await TestCluster.shared.freshDatabase().store()
        _ = try await store.append(lines: history.lines)
        let projector = Projector(connection: store.connection)
        try await projector.catchUp()
        let before = try await Self.tables(store.connection)
        // Start a rebuild and stop after two chunks (as a crash or Ctrl-C would).
        _ = try await store.connection.execute("SELECT mcledger.rebuild_begin('counts')")
        _ = try await store.connection.execute("SELECT mcledger.rebuild_step('counts', 50)")
        _ = try await store.connection.execute("SELECT mcledger.rebuild_step('counts', 50)")
        #expect(try await Self.tables(store.connection) == before, "live tables untouched")
        let inProgress = try await projector.status().first { $0.name == "counts" }?.rebuildInProgress
        #expect(inProgress == 100)
        let report = try await projector.rebuild("counts", chunkEvents: 64)
        #expect(report.events == history.lines.count - 100)
        #expect(try await Self.tables(store.connection) == before)
        #expect(try await projector.status().first { $0.name == "counts" }?.rebuildInProgress == nil)
    }
}
