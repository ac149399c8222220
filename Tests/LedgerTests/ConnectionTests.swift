import Foundation
import Ledger
import LedgerTestSupport
import Testing

@Suite("Connection")
struct ConnectionTests {
    // Found while building the commit resolution: `execute` of two different
    // statements without a name on one connection ran the first one twice.
    @Test("statements without a name run as themselves, one after another")
    func unpreparedStatements() async throws {
        let connection = try await TestCluster.shared.freshDatabase().connect()
        defer { Task { await connection.close() } }
        let one = try await connection.execute(PreparedStatement("", "SELECT 'one'"), [])
        let two = try await connection.execute(PreparedStatement("", "SELECT 'two', 2"), [])
        #expect(one.string(0, 0) == "one")
        #expect(two.string(0, 0) == "two" && two.int(0, 1) == 2)
    }

    @Test("a connection knows its backend: pid and start, as pg_stat_activity shows them")
    func backendIdentity() async throws {
        let connection = try await TestCluster.shared.freshDatabase().connect()
        defer { Task { await connection.close() } }
        let backend = try #require(await connection.backend)
        let row = try await connection.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int AND backend_start = $2::timestamptz",
                                               [.int8(backend.pid), .text(backend.startedAt)])
        #expect(row.int(0, 0) == 1)
    }
}
