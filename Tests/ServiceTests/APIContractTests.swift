import Foundation
import Hummingbird
import Ledger
import Service
import Testing

/// What /openapi.json promises and scripts/api-fuzz.sh checks, kept here as
/// regressions for what the fuzzer (and its probes) found.
@Suite("HTTP: the API contract of /openapi.json")
struct APIContractTests {
    static let requestIDHeader = HTTPFields.Element.Name("X-Request-Id")!

    @Test("the served document lists every limit as ServiceLimits has it")
    func documentLimits() async throws {
        try await ServerHarness.with(runProjector: false) { server in
            let response = try await server.request(.get, "/openapi.json")
            #expect(response.status == 200)
            let document = try #require(response.object)
            #expect(document["openapi"]?.stringValue?.hasPrefix("3.1") == true)
            let limits = try #require(document["x-mcledger-limits"]?.objectValue)
            let expected: [String: Int] = [
                "maxBodyBytes": ServiceLimits.maxBodyBytes,
                "maxLineBytes": ServiceLimits.maxLineBytes,
                "maxEventsPerRequest": ServiceLimits.maxEventsPerRequest,
                "maxEventsPerCommit": ServiceLimits.maxEventsPerCommit,
                "defaultPageSize": ServiceLimits.defaultPageSize,
                "maxPageSize": ServiceLimits.maxPageSize,
                "defaultPoolSize": ServiceLimits.defaultPoolSize,
                "poolWaitSeconds": Int(ServiceLimits.poolWait.components.seconds),
                "readyMaxLagEvents": ServiceLimits.readyMaxLagEvents,
                "retryAfterSeconds": ServiceLimits.retryAfterSeconds,
                "idleTimeoutSeconds": Int(ServiceLimits.idleTimeout.components.seconds),
                "bodyReadTimeoutSeconds": Int(ServiceLimits.bodyReadTimeout.components.seconds),
                "maxJSONDepth": JSONLimits.maxDepth,
                "maxJSONNumberLength": JSONLimits.maxNumberLength,
                "maxJSONStoredNumberLength": JSONLimits.maxStoredNumberLength,
                "maxInstanceNameLength": DomainLimits.maxInstanceNameLength,
                "maxAccountNameLength": DomainLimits.maxAccountNameLength,
                "maxWorkflowNameLength": DomainLimits.maxWorkflowNameLength,
                "maxEventIdLength": DomainLimits.maxEventIdLength,
                "maxStreamNameLength": DomainLimits.maxStreamNameLength,
                "maxEventTypeLength": DomainLimits.maxEventTypeLength,
                "maxTextFieldLength": DomainLimits.maxTextFieldLength,
            ]
            for (name, value) in expected {
                #expect(limits[name]?["value"] == .number(String(value)), "x-mcledger-limits.\(name)")
            }
            #expect(Set(limits.pairs.map(\.key)) == Set(expected.keys))
            let appendBody = document["components"]?["schemas"]?["AppendBody"]?["oneOf"]?.arrayValue?.last
            #expect(appendBody?["maxItems"] == .number(String(ServiceLimits.maxEventsPerRequest)))
        }
    }

    @Test("a known path asked with another method is 405 with Allow")
    func methodNotAllowed() async throws {
        try await ServerHarness.with(runProjector: false) { server in
            let trace = try await server.request(.init("TRACE")!, "/healthz")
            #expect(trace.status == 405)
            #expect(trace.errorCode == "methodNotAllowed")
            #expect(trace.headers[.allow] == "GET")
            let delete = try await server.request(.delete, "/v1/events", token: ServerHarness.adminToken)
            #expect(delete.status == 405)
            #expect(delete.headers[.allow] == "GET, POST")
            let unknown = try await server.request(.get, "/v1/nothing")
            #expect(unknown.status == 404)
        }
    }

    @Test("an empty Content-Type is 415, and the server keeps serving")
    func emptyContentType() async throws {
        try await ServerHarness.with(runProjector: false) { server in
            for contentType in ["", ";", " ; charset=utf-8"] {
                let response = try await server.request(.post, "/v1/events", token: ServerHarness.appendToken,
                                                        contentType: contentType, body: "{}")
                #expect(response.status == 415, "Content-Type '\(contentType)'")
                #expect(response.errorCode == "unsupportedMediaType")
            }
            #expect(try await server.request(.get, "/healthz").status == 200)
        }
    }

    @Test("a body over maxBodyBytes is 413 bodyTooLarge")
    func bodyTooLarge() async throws {
        try await ServerHarness.with(runProjector: false) { server in
            let body = String(repeating: " ", count: ServiceLimits.maxBodyBytes + 1)
            let response = try await server.request(.post, "/v1/events", token: ServerHarness.appendToken, body: body)
            #expect(response.status == 413)
            #expect(response.errorCode == "bodyTooLarge")
            #expect(response.errorObject?["limit"] == .number(String(ServiceLimits.maxBodyBytes)))
        }
    }

    @Test("an empty or unsafe X-Request-Id is replaced by a generated one")
    func requestID() async throws {
        try await ServerHarness.with(runProjector: false) { server in
            let kept = try await server.request(.get, "/healthz", headers: [Self.requestIDHeader: "abc-123_X"])
            #expect(kept.headers[Self.requestIDHeader] == "abc-123_X")
            for given in ["", "a b", "é", String(repeating: "a", count: 65)] {
                let response = try await server.request(.get, "/healthz", headers: [Self.requestIDHeader: given])
                let id = try #require(response.headers[Self.requestIDHeader])
                #expect(id != given)
                #expect(UUID(uuidString: id)?.version == 7, "X-Request-Id '\(given)' gave '\(id)', not a time-ordered UUID")
            }
        }
    }

    @Test("as of a time before the first event, or outside years 1 to 9999, answers position 0")
    func asOfBeforeTheFirstEvent() async throws {
        try await ServerHarness.with(runProjector: false) { server in
            let event = #"{"type":"InstanceRegistered","data":{"instance":"exec-01","role":"execution"}}"#
            #expect(try await server.request(.post, "/v1/events", token: ServerHarness.appendToken, body: event).status == 201)
            for asOf in ["2000-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "0001-01-01T00:00:00%2B01:00", "2000-01-01t00:00:00z"] {
                for path in ["/v1/readiness", "/v1/counts"] {
                    let response = try await server.request(.get, "\(path)?asOf=\(asOf)", token: ServerHarness.readToken)
                    #expect(response.status == 200, "\(path)?asOf=\(asOf)")
                    #expect(response.object?["position"] == .number("0"), "\(path)?asOf=\(asOf)")
                }
            }
            let history = try await server.request(.get, "/v1/events?since=-2020-01-01T00:00:00Z", token: ServerHarness.readToken)
            #expect(history.status == 200)
            #expect(history.object?["count"] == .number("1"))
        }
    }

    @Test("a position beyond the head is 400 naming the parameter")
    func positionBeyondTheHead() async throws {
        try await ServerHarness.with(runProjector: false) { server in
            let response = try await server.request(.get, "/v1/counts?position=5", token: ServerHarness.readToken)
            #expect(response.status == 400)
            #expect(response.errorCode == "invalidInput")
            #expect(response.errorObject?["parameter"]?.stringValue == "position")
            #expect(response.errorObject?["head"] == .number("0"))
        }
    }

    @Test("limit above the page size gives a full page; integers are plain decimals")
    func historyLimit() async throws {
        try await ServerHarness.with(runProjector: false) { server in
            let page = try await server.request(.get, "/v1/events?limit=\(ServiceLimits.maxPageSize + 1)", token: ServerHarness.readToken)
            #expect(page.status == 200)
            #expect(page.object?["next"] == .null)
            for query in ["limit=%2B5", "afterPosition=1.0", "limit=0x10"] {
                let response = try await server.request(.get, "/v1/events?\(query)", token: ServerHarness.readToken)
                #expect(response.status == 400, "\(query)")
            }
            let digest = "-0:" + String(repeating: "0", count: 64)
            let verify = try await server.request(.get, "/v1/verify?against=\(digest)", token: ServerHarness.adminToken)
            #expect(verify.status == 400)
            #expect(verify.errorObject?["parameter"]?.stringValue == "against")
        }
    }

    @Test("malformed JSON names the byte offset as a number")
    func offsetIsANumber() async throws {
        try await ServerHarness.with(runProjector: false) { server in
            let response = try await server.request(.post, "/v1/events", token: ServerHarness.appendToken, body: "{\"type\": x}")
            #expect(response.status == 400)
            #expect(response.errorObject?["offset"] == .number("9"))
        }
    }
}
