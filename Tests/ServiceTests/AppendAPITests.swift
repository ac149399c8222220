import Foundation
import Ledger
import LedgerTestSupport
import Testing

@Suite("HTTP: POST /v1/events")
struct AppendAPITests {
    static let append = ServerHarness.appendToken

    @Test("one event: 201 with its position; the same event again: 200, a repeat at the same position")
    func singleAndRepeat() async throws {
        try await ServerHarness.with(runProjector: false) { server in
            let line = APIFixtures.pending("order-1")
            let first = try await server.request(.post, "/v1/events", token: Self.append, body: line)
            #expect(first.status == 201)
            #expect(first.object?["appended"]?.integerValue == 1)
            #expect(first.object?["firstPosition"]?.integerValue == 1)
            #expect(first.object?["events"]?.arrayValue?.first?.objectValue?["stream"]?.stringValue == "rtEvent-exec-01.order-1")
            let again = try await server.request(.post, "/v1/events", token: Self.append, body: line)
            #expect(again.status == 200)
            #expect(again.object?["appended"]?.integerValue == 0)
            #expect(again.object?["duplicates"]?.integerValue == 1)
            #expect(again.object?["events"]?.arrayValue?.first?.objectValue?["position"]?.integerValue == 1)
            #expect(try await server.database.store().count() == 1)
        }
    }

    @Test("a JSON array and an NDJSON body are each one atomic batch")
    func arrayAndNDJSON() async throws {
        try await ServerHarness.with(runProjector: false) { server in
            let array = "[" + (1...3).map { APIFixtures.pending("a-\($0)") }.joined(separator: ",") + "]"
            let batch = try await server.request(.post, "/v1/events", token: Self.append, body: array)
            #expect(batch.status == 201)
            #expect(batch.object?["firstPosition"]?.integerValue == 1)
            #expect(batch.object?["lastPosition"]?.integerValue == 3)
            let body = "\n" + APIFixtures.ndjson((1...4).map { APIFixtures.pending("n-\($0)") }) + "\n"
            let lines = try await server.request(.post, "/v1/events", token: Self.append, contentType: "application/x-ndjson", body: body)
            #expect(lines.status == 201)
            #expect(lines.object?["appended"]?.integerValue == 4)
            #expect(lines.object?["lastPosition"]?.integerValue == 7)
        }
    }

    @Test("invalid input is 400 naming the line, index or field, and appends nothing of the batch")
    func invalidInput() async throws {
        try await ServerHarness.with(runProjector: false) { server in
            let badLine = APIFixtures.ndjson([APIFixtures.pending("ok-1"), "{\"type\":\"EventStatusChanged\",", APIFixtures.pending("ok-2")])
            let ndjson = try await server.request(.post, "/v1/events", token: Self.append, contentType: "application/x-ndjson", body: badLine)
            #expect(ndjson.status == 400)
            #expect(ndjson.errorCode == "invalidInput")
            #expect(ndjson.errorObject?["line"]?.integerValue == 2)

            let missing = "[" + APIFixtures.pending("ok-3") + ",{\"type\":\"EventStatusChanged\",\"data\":{\"instance\":\"exec-01\",\"queue\":\"realtime\",\"to\":\"pending\"}}]"
            let array = try await server.request(.post, "/v1/events", token: Self.append, body: missing)
            #expect(array.status == 400)
            #expect(array.errorObject?["index"]?.integerValue == 1)
            #expect(array.errorObject?["field"]?.stringValue == "eventId")

            let unknown = try await server.request(.post, "/v1/events", token: Self.append, body: "{\"type\":\"Nope\",\"data\":{}}")
            #expect(unknown.status == 400)
            #expect(unknown.text.contains("Nope"))

            let notObject = try await server.request(.post, "/v1/events", token: Self.append, body: "42")
            #expect(notObject.status == 400)
            let empty = try await server.request(.post, "/v1/events", token: Self.append, body: "[]")
            #expect(empty.status == 400)
            let mediaType = try await server.request(.post, "/v1/events", token: Self.append, contentType: "text/plain", body: APIFixtures.pending("x"))
            #expect(mediaType.status == 415)
            #expect(try await server.database.store().count() == 0)
        }
    }

    @Test("an illegal transition is 422 naming the stream and line; a version conflict is 409 with stream, expected, actual")
    func domainRefusals() async throws {
        try await ServerHarness.with(runProjector: false) { server in
            _ = try await server.request(.post, "/v1/events", token: Self.append, body: APIFixtures.pending("e-1"))
            let illegal = APIFixtures.ndjson([APIFixtures.pending("e-2"), Fixtures.status("sent", instance: "exec-01", eventId: "e-1")])
            let refused = try await server.request(.post, "/v1/events", token: Self.append, contentType: "application/x-ndjson", body: illegal)
            #expect(refused.status == 422)
            #expect(refused.errorCode == "illegalTransition")
            #expect(refused.errorObject?["line"]?.integerValue == 2)
            #expect(refused.errorObject?["stream"]?.stringValue == "rtEvent-exec-01.e-1")

            let stale = Fixtures.line(type: "EventStatusChanged", data: ["instance": "exec-01", "eventId": "e-1", "queue": "realtime", "to": "pendingDelivery"], expectedVersion: 5)
            let conflict = try await server.request(.post, "/v1/events", token: Self.append, body: stale)
            #expect(conflict.status == 409)
            #expect(conflict.errorObject?["stream"]?.stringValue == "rtEvent-exec-01.e-1")
            #expect(conflict.errorObject?["expected"]?.integerValue == 5)
            #expect(conflict.errorObject?["actual"]?.integerValue == 1)

            let id = UUID()
            _ = try await server.request(.post, "/v1/events", token: Self.append, body: APIFixtures.pending("e-3", id: id))
            let reused = try await server.request(.post, "/v1/events", token: Self.append, body: APIFixtures.pending("e-4", id: id))
            #expect(reused.status == 409)
            #expect(reused.errorObject?["eventId"]?.stringValue == id.uuidString.lowercased())
            #expect(try await server.database.store().count() == 2)
        }
    }

    @Test("limits: a body over maxBodyBytes is 413 bodyTooLarge, more than maxEventsPerRequest events is 413 tooManyEvents")
    func limits() async throws {
        try await ServerHarness.with(runProjector: false) { server in
            let huge = "[" + String(repeating: " ", count: 17 * 1024 * 1024) + "]"
            let tooLarge = try await server.request(.post, "/v1/events", token: Self.append, body: huge)
            #expect(tooLarge.status == 413)
            #expect(tooLarge.errorCode == "bodyTooLarge")
            let many = APIFixtures.ndjson((0...2_000).map { APIFixtures.pending("m-\($0)") })
            let tooMany = try await server.request(.post, "/v1/events", token: Self.append, contentType: "application/x-ndjson", body: many)
            #expect(tooMany.status == 413)
            #expect(tooMany.errorCode == "tooManyEvents")
            let longLine = "{\"type\":\"EventStatusChanged\",\"data\":{\"instance\":\"" + String(repeating: "x", count: 1_100_000) + "\"}}\n"
            let tooLong = try await server.request(.post, "/v1/events", token: Self.append, contentType: "application/x-ndjson", body: longLine)
            #expect(tooLong.status == 400)
            #expect(tooLong.errorObject?["line"]?.integerValue == 1)
            #expect(try await server.database.store().count() == 0)
        }
    }

    @Test("tokens: none or unknown is 401 with WWW-Authenticate, the wrong scope is 403")
    func tokens() async throws {
        try await ServerHarness.with(runProjector: false) { server in
            let line = APIFixtures.pending("t-1")
            let none = try await server.request(.post, "/v1/events", body: line)
            #expect(none.status == 401)
            #expect(none.headers[.wwwAuthenticate] != nil)
            let wrong = try await server.request(.post, "/v1/events", token: "not-a-token-at-all-here", body: line)
            #expect(wrong.status == 401)
            let read = try await server.request(.post, "/v1/events", token: ServerHarness.readToken, body: line)
            #expect(read.status == 403)
            #expect(read.errorCode == "forbidden")
            let admin = try await server.request(.post, "/v1/events", token: ServerHarness.adminToken, body: line)
            #expect(admin.status == 201)
        }
    }
}
