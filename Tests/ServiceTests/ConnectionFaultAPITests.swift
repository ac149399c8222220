import Foundation
import Ledger
import LedgerTestSupport
import Service
import Testing

/// The server between clients and a database connection that breaks: a
/// `FaultProxy` sits between the server and the test cluster (the shared
/// cluster itself cannot be restarted under the other suites; the proxy
/// makes the database "go away" for this server alone).
@Suite("HTTP: connection faults")
struct ConnectionFaultAPITests {
    static func serve(_ body: @escaping @Sendable (UnavailableTests.PortOnly, FaultProxy, TestDatabase) async throws -> Void) async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let proxy = try FaultProxy(cluster: database.cluster.home)
        defer { proxy.stop() }
        let configuration = ServerConfiguration(host: "127.0.0.1", port: 0, conninfo: proxy.conninfo(database: database.name),
                                                tokens: ServerHarness.tokens(), poolSize: 2, runProjector: false)
        try await ServerHarness.serve(configuration, logLevel: .critical) { _, port in
            try await body(UnavailableTests.PortOnly(port: port), proxy, database)
        }
    }

    /// How many rows hold `id` (0, or 1: never more).
    static func copies(_ database: TestDatabase, _ id: UUID) async throws -> Int {
        let connection = try await database.connect()
        defer { Task { await connection.close() } }
        return try await connection.execute("SELECT count(*) FROM mcledger.events WHERE event_id = $1::uuid",
                                            [.text(id.uuidString.lowercased())]).int(0, 0) ?? -1
    }

    @Test("ack lost after COMMIT: 201 with the stored position, stored once")
    func ackLost() async throws {
        try await Self.serve { api, proxy, database in
            #expect(try await api.post("/v1/events", token: ServerHarness.appendToken, body: APIFixtures.pending("warm")).status == 201)
            let id = UUID()
            proxy.arm(.dropCommitReply)
            let answer = try await api.post("/v1/events", token: ServerHarness.appendToken, body: APIFixtures.pending("lost-ack", id: id))
            #expect(proxy.fired == 1)
            #expect(answer.status == 201, "\(answer.text)")
            #expect(answer.object?["firstPosition"]?.integerValue == 2)
            #expect(try await Self.copies(database, id) == 1)
            // The next append goes through a fresh connection.
            #expect(try await api.post("/v1/events", token: ServerHarness.appendToken, body: APIFixtures.pending("after")).status == 201)
        }
    }

    @Test("COMMIT never sent: 503 saying it was not committed, with Retry-After; the re-send is stored once")
    func notCommitted() async throws {
        try await Self.serve { api, proxy, database in
            let id = UUID()
            proxy.arm(.dropCommitRequest)
            let answer = try await api.post("/v1/events", token: ServerHarness.appendToken, body: APIFixtures.pending("no-commit", id: id))
            #expect(answer.status == 503, "\(answer.text)")
            #expect(answer.headers[.retryAfter] == "1")
            #expect(answer.errorObject?["commit"]?.stringValue == "no")
            #expect(try await Self.copies(database, id) == 0)
            let again = try await api.post("/v1/events", token: ServerHarness.appendToken, body: APIFixtures.pending("no-commit", id: id))
            #expect(again.status == 201)
            #expect(try await Self.copies(database, id) == 1)
        }
    }

    @Test("the database goes away and comes back: 503 meanwhile, then appends and reads work again")
    func databaseAwayAndBack() async throws {
        try await Self.serve { api, proxy, database in
            #expect(try await api.post("/v1/events", token: ServerHarness.appendToken, body: APIFixtures.pending("before")).status == 201)
            #expect(try await api.get("/v1/counts", token: ServerHarness.readToken).status == 200)
            proxy.refuse(true)
            let away = try await api.post("/v1/events", token: ServerHarness.appendToken, body: APIFixtures.pending("away"))
            #expect(away.status == 503)
            #expect(away.headers[.retryAfter] == "1")
            #expect(away.errorObject?["commit"]?.stringValue == "no")
            #expect(try await api.get("/v1/counts", token: ServerHarness.readToken).status == 503)
            proxy.refuse(false)
            // The append connection reconnects within its backoff (at most Retry-After).
            var status = 0
            let id = UUID()
            for _ in 0..<30 where status != 201 {
                status = try await api.post("/v1/events", token: ServerHarness.appendToken, body: APIFixtures.pending("back", id: id)).status
                if status != 201 { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(status == 201)
            #expect(try await Self.copies(database, id) == 1)
            // Pooled read connections that broke are replaced transparently.
            #expect(try await api.get("/v1/counts", token: ServerHarness.readToken).status == 200)
        }
    }

    @Test("connections cut while idle: the next append and read succeed at once (no spurious 503)")
    func idleConnectionsCut() async throws {
        try await Self.serve { (api: UnavailableTests.PortOnly, proxy: FaultProxy, _: TestDatabase) async throws in
            #expect(try await api.post("/v1/events", token: ServerHarness.appendToken, body: APIFixtures.pending("one")).status == 201)
            #expect(try await api.get("/v1/counts", token: ServerHarness.readToken).status == 200)
            proxy.cutAll()
            #expect(try await api.post("/v1/events", token: ServerHarness.appendToken, body: APIFixtures.pending("two")).status == 201)
            #expect(try await api.get("/v1/counts", token: ServerHarness.readToken).status == 200)
        }
    }
}
