import Foundation
import Ledger
import Logging
import Service
import ServiceLifecycle
import Testing

@Suite("HTTP: database unavailable")
struct UnavailableTests {
    @Test("reads and appends answer 503 with Retry-After; readyz is 503; healthz stays 200")
    func unavailable() async throws {
        var tokens = TokenStore()
        tokens.add(ServerHarness.adminToken, scope: .admin)
        // Nothing listens on port 1.
        let configuration = ServerConfiguration(host: "127.0.0.1", port: 0, conninfo: "host=127.0.0.1 port=1 dbname=none connect_timeout=2",
                                                tokens: tokens, poolSize: 2, runProjector: false)
        try await ServerHarness.serve(configuration, logLevel: .critical) { _, port in
            let harness = PortOnly(port: port)
            let counts = try await harness.get("/v1/counts", token: ServerHarness.adminToken)
            #expect(counts.status == 503)
            #expect(counts.headers[.retryAfter] == "1")
            #expect(counts.errorCode == "databaseUnavailable")
            let append = try await harness.post("/v1/events", token: ServerHarness.adminToken, body: APIFixtures.pending("u-1"))
            #expect(append.status == 503)
            #expect(try await harness.get("/readyz").status == 503)
            #expect(try await harness.get("/healthz").status == 200)
        }
    }

    struct PortOnly {
        let port: Int
        func get(_ uri: String, token: String? = nil) async throws -> HTTPResult {
            try await TestClientRequest.run(port: port) { try await HTTPResult.send($0, .get, uri, token: token) }
        }
        func post(_ uri: String, token: String, body: String) async throws -> HTTPResult {
            try await TestClientRequest.run(port: port) { try await HTTPResult.send($0, .post, uri, token: token, body: body) }
        }
    }
}
