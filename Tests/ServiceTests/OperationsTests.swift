import Foundation
@testable import Service
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

@Suite("HTTP: the request log")
struct RequestLogTests {
    @Test("a request's time is logged in milliseconds with two decimals", arguments: [
        (0.0, "0.00"), (0.0123456, "12.35"), (0.00001, "0.01"), (0.000004, "0.00"), (0.000005, "0.01"),
        (0.00009, "0.09"), (1.5, "1500.00"), (12.3456789, "12345.68"), (-0.001, "0.00"),
    ])
    func milliseconds(_ seconds: Double, _ printed: String) {
        #expect(RequestMiddleware.milliseconds(seconds) == printed)
    }
}

@Suite("HTTP: metrics and the OpenAPI document")
struct MetricsTests {
    @Test("/metrics is Prometheus text with append, commit, reject, lag and pool metrics")
    func metrics() async throws {
        try await ServerHarness.with { server in
            _ = try await server.request(.post, "/v1/events", token: ServerHarness.appendToken, body: APIFixtures.pending("m-1"))
            _ = try await server.request(.post, "/v1/events", token: ServerHarness.appendToken, body: "{\"type\":\"Nope\",\"data\":{}}")
            _ = try await server.request(.get, "/v1/counts", token: ServerHarness.readToken)
            _ = try await server.request(.get, "/v1/counts", token: ServerHarness.readToken)
            let metrics = try await server.request(.get, "/metrics")
            // Each route's counter is made once and counts every request.
            #expect(metrics.text.contains(#"mcledger_http_requests_total{route="/v1/counts",method="GET",status="200"} 2"#),
                    "\(metrics.text.split(separator: "\n").filter { $0.contains("mcledger_http_requests_total") })")
            #expect(metrics.status == 200)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            for name in ["mcledger_appended_events_total 1", "mcledger_commit_duration_seconds_bucket", "mcledger_commit_batch_requests_count",
                         "mcledger_append_rejects_total{reason=\"invalidInput\"} 1", "mcledger_projection_lag_events{projection=\"counts\"}",
                         "mcledger_projection_lag_seconds", "mcledger_pool_connections_open", "mcledger_http_requests_total"] {
                #expect(metrics.text.contains(name), "missing \(name)")
            }
        }
    }

    @Test("/openapi.json is served without a token and describes /v1")
    func openAPI() async throws {
        try await ServerHarness.with(runProjector: false) { server in
            let document = try await server.request(.get, "/openapi.json")
            #expect(document.status == 200)
            #expect(document.object?["openapi"]?.stringValue?.hasPrefix("3.") == true)
        }
    }
}
