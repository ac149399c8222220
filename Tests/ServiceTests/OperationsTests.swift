import Foundation
import Testing

@Suite("HTTP: health, readiness probe, metrics, OpenAPI")
struct OperationsTests {
    @Test("healthz answers without a token; readyz reports the database and projections")
    func probes() async throws {
        try await ServerHarness.with { server in
            let health = try await server.request(.get, "/healthz")
            #expect(health.status == 200)
            #expect(health.object?["status"]?.stringValue == "ok")
            #expect(health.headers[.init("X-Request-Id")!] != nil)
            let ready = try await server.request(.get, "/readyz")
            #expect(ready.status == 200)
            #expect(ready.object?["database"]?.stringValue == "ok")
        }
    }
}
