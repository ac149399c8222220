import Foundation
import Hummingbird
import Ledger
import LedgerTestSupport
import Service
import Testing

/// `mcledger serve --read-url` against a real streaming replica: a primary
/// cluster and a hot standby made from it with `pg_basebackup -R -X stream`,
/// both started and removed by the test.
@Suite("HTTP: reads from a streaming replica", .serialized)
struct ReplicaTests {
    typealias ServeProcess = ServeProcessTests.ServeProcess

    static let admin = ServerHarness.adminToken
    static let reader = ServerHarness.readToken
    static let appender = ServerHarness.appendToken

    /// The routes whose answers must be the same from the replica as from the primary.
    static let reads = ["/v1/readiness", "/v1/counts", "/v1/events", "/v1/events?format=ndjson", "/v1/events?instance=exec-01&limit=3",
                        "/v1/streams/workflow-ctrl.mcSynch_acc1", "/v1/digest", "/v1/verify"]

    @Test("reads served by the standby equal the primary's; the read sessions are read-only; a stopped standby gives 503 while appends go on")
    func replica() async throws {
        let pair = try await StreamingReplica.start()
        defer { pair.shutdown() }
        let replicated = ServerConfiguration(host: "127.0.0.1", port: 0, conninfo: pair.primaryConninfo, tokens: ServerHarness.tokens(),
                                             poolSize: 3, runProjector: true, readConninfo: pair.standbyConninfo)
        let direct = ServerConfiguration(host: "127.0.0.1", port: 0, conninfo: pair.primaryConninfo, tokens: ServerHarness.tokens(),
                                         poolSize: 2, runProjector: false)
        try await ServerHarness.serve(replicated, logLevel: .critical) { _, port in
            let server = Client(port: port)
            try await ServerHarness.serve(direct, logLevel: .critical) { _, primaryPort in
                let primary = Client(port: primaryPort)

                // Appends go through the replicated server (to the primary).
                let seeded = try await server.post("/v1/events", token: Self.appender, contentType: "application/x-ndjson",
                                                   body: APIFixtures.ndjson(APIFixtures.almostReady() + (1...5).map { APIFixtures.pending("r-\($0)") }))
                #expect(seeded.status == 201)
                let head = try #require(seeded.object?["lastPosition"]?.integerValue)
                try await pair.waitForReplay()

                // The same answers, byte for byte, from the replica and from the primary.
                for route in Self.reads {
                    let fromReplica = try await server.get(route, token: Self.admin)
                    let fromPrimary = try await primary.get(route, token: Self.admin)
                    #expect(fromReplica.status == 200, "\(route): \(fromReplica.text)")
                    #expect(fromReplica.text == fromPrimary.text, "\(route) differs between the replica and the primary")
                }
                let counts = try await server.get("/v1/counts", token: Self.reader)
                #expect(counts.object?["position"]?.integerValue == head)
                #expect(counts.object?["total"]?.integerValue == 5)
                let dashboard = try await server.get("/?position=\(head)", token: Self.reader)
                #expect(dashboard.status == 200)
                #expect(dashboard.text.contains("data-position=\"\(head)\""))
                #expect(dashboard.text == (try await primary.get("/?position=\(head)", token: Self.reader)).text)

                // The read sessions are the standby's, and read-only: nothing could have been written there.
                let ready = try await server.get("/readyz")
                #expect(ready.status == 200, "\(ready.text)")
                let replica = try #require(ready.object?["replica"]?.objectValue)
                #expect(replica["status"]?.stringValue == "ok")
                #expect(replica["inRecovery"] == .bool(true))
                #expect(replica["readOnly"] == .bool(true))
                #expect(replica["head"]?.integerValue == head)
                #expect(replica["lagEvents"]?.integerValue == 0)
                let standbySessions = try await Self.sessions(pair.standbyConninfo)
                #expect(standbySessions.replica > 0, "the reads were not served by the standby")
                #expect(standbySessions.readOnly && standbySessions.inRecovery)
                #expect(try await Self.sessions(pair.primaryConninfo).replica == 0, "a read session went to the primary")
                let metrics = try await server.get("/metrics").text
                #expect(metrics.contains("mcledger_replica_up 1"))
                #expect(metrics.contains("mcledger_replica_lag_events 0"))
                #expect(metrics.contains("mcledger_replica_replay_lag_seconds"))

                // A position the primary has and the standby has not replayed yet: 503 replicaBehind, then it arrives.
                try await Self.execute(pair.standbyConninfo, "SELECT pg_wal_replay_pause()")
                let restarted = try await server.post("/v1/events", token: Self.appender, body: APIFixtures.restartArchiving)
                #expect(restarted.status == 201)
                let newHead = try #require(restarted.object?["lastPosition"]?.integerValue)
                let early = try await server.get("/v1/readiness?position=\(newHead)", token: Self.reader)
                #expect(early.status == 503)
                #expect(early.errorCode == "replicaBehind")
                #expect(early.headers[.retryAfter] == "1")
                let earlyPage = try await server.get("/?position=\(newHead)", token: Self.reader)
                #expect(earlyPage.status == 503)
                #expect(earlyPage.headers[.retryAfter] == "1")
                let behind = try await server.get("/readyz")
                #expect(behind.object?["replica"]?.objectValue?["lagEvents"]?.integerValue == 1)
                #expect(try await server.get("/v1/readiness?position=\(newHead + 1000)", token: Self.reader).status == 400)
                try await Self.execute(pair.standbyConninfo, "SELECT pg_wal_replay_resume()")
                try await pair.waitForReplay()
                let caughtUp = try await server.get("/v1/readiness?position=\(newHead)", token: Self.reader)
                #expect(caughtUp.status == 200)
                #expect(caughtUp.object?["ready"] == .bool(true))

                // The standby goes away: reads 503 with Retry-After, appends still acknowledged.
                try await pair.stopStandby()
                for route in ["/v1/counts", "/v1/readiness", "/v1/events", "/v1/events?format=ndjson", "/v1/verify", "/"] {
                    let down = try await server.get(route, token: Self.admin)
                    #expect(down.status == 503, "\(route) answered \(down.status)")
                    #expect(down.headers[.retryAfter] == "1", "\(route)")
                }
                let whileDown = try await server.post("/v1/events", token: Self.appender, body: APIFixtures.pending("r-down"))
                #expect(whileDown.status == 201)
                let downHead = try #require(whileDown.object?["lastPosition"]?.integerValue)
                let notReady = try await server.get("/readyz")
                #expect(notReady.status == 503)
                #expect(notReady.object?["database"]?.stringValue == "ok")
                #expect(notReady.object?["replica"]?.objectValue?["status"]?.stringValue == "unavailable")
                #expect(try await server.get("/metrics").text.contains("mcledger_replica_up 0"))
                #expect(try await server.get("/healthz").status == 200)

                // Back: it streams what it missed and the pool reconnects.
                try await pair.startStandby()
                try await pair.waitForReplay()
                let back = try await server.get("/v1/counts", token: Self.reader)
                #expect(back.status == 200)
                #expect(back.object?["position"]?.integerValue == downHead)
                #expect(back.object?["total"]?.integerValue == 6)
                #expect(back.text == (try await primary.get("/v1/counts", token: Self.reader)).text)
            }
        }

        // The binary: MCLEDGER_READ_URL sends its reads to the standby.
        let serve = try ServeProcess(environment: [
            "MCLEDGER_DATABASE_URL": pair.primaryConninfo, "MCLEDGER_READ_URL": pair.standbyConninfo,
            "MCLEDGER_TOKENS": "admin \(Self.admin)",
        ], arguments: ["--no-projector"])
        let binary = Client(port: try await serve.port())
        #expect(serve.stderr.contains("reads (history, readiness, counts, verify, dashboard) go to the replica"))
        let binaryReady = try await binary.get("/readyz")
        #expect(binaryReady.object?["replica"]?.objectValue?["inRecovery"] == .bool(true), "\(binaryReady.text)")
        let fromBinary = try await binary.get("/v1/counts", token: Self.admin)
        #expect(fromBinary.object?["total"]?.integerValue == 6)
        #expect(try await Self.sessions(pair.standbyConninfo).replica > 0)
        kill(serve.process.processIdentifier, SIGTERM)
        #expect(try await serve.exitStatus(within: 20) == 0)

        // The read commands just work with the standby as their database (the
        // projection catch-up they do on a primary is skipped: read-only session).
        for command in [["counts", "--json"], ["readiness", "--json"], ["history", "--format", "ndjson"], ["verify", "--json"]] {
            let fromStandby = try await CLI.run(command, environment: ["MCLEDGER_DATABASE_URL": pair.standbyConninfo])
            let fromPrimary = try await CLI.run(command, environment: ["MCLEDGER_DATABASE_URL": pair.primaryConninfo])
            #expect(fromStandby.status == 0, "\(command): \(fromStandby.stderr)")
            #expect(fromStandby.stdout == fromPrimary.stdout, "\(command) differs between the standby and the primary")
            #expect(!fromStandby.stdout.isEmpty)
        }
        let refused = try await CLI.run(["append", "-"], stdin: APIFixtures.pending("r-cli") + "\n",
                                  environment: ["MCLEDGER_DATABASE_URL": pair.standbyConninfo])
        #expect(refused.status == 69, "an append to the standby must fail as 'database unavailable': \(refused.stderr)")
        #expect(refused.stderr.contains("the database is read-only"))
    }

    /// Sessions of `mcledger-serve-replica` on the server at `conninfo`, and whether that server's sessions are read-only.
    static func sessions(_ conninfo: String) async throws -> (replica: Int, readOnly: Bool, inRecovery: Bool) {
        let connection = try await PostgresConnection.connect(conninfo)
        defer { Task { await connection.close() } }
        let row = try await connection.execute("""
            SELECT (SELECT count(*) FROM pg_stat_activity WHERE application_name = 'mcledger-serve-replica'),
                   current_setting('transaction_read_only') = 'on', pg_is_in_recovery()
            """)
        return (row.int(0, 0) ?? -1, row.bool(0, 1) ?? false, row.bool(0, 2) ?? false)
    }

    static func execute(_ conninfo: String, _ sql: String) async throws {
        let connection = try await PostgresConnection.connect(conninfo)
        defer { Task { await connection.close() } }
        _ = try await connection.execute(sql)
    }

    struct Client: Sendable {
        let port: Int
        func get(_ uri: String, token: String? = nil) async throws -> HTTPResult {
            try await TestClientRequest.run(port: port) { try await HTTPResult.send($0, .get, uri, token: token) }
        }
        func post(_ uri: String, token: String, contentType: String = "application/json", body: String) async throws -> HTTPResult {
            try await TestClientRequest.run(port: port) { try await HTTPResult.send($0, .post, uri, token: token, contentType: contentType, body: body) }
        }
    }
}
