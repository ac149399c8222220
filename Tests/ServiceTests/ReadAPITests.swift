import Foundation
import Ledger
import LedgerTestSupport
import Testing

@Suite("HTTP: readiness, counts, history, streams")
struct ReadAPITests {
    static let read = ServerHarness.readToken

    static func seed(_ server: ServerHarness, _ lines: [String]) async throws {
        let result = try await server.request(.post, "/v1/events", token: ServerHarness.appendToken,
                                              contentType: "application/x-ndjson", body: APIFixtures.ndjson(lines))
        #expect(result.status == 201, "seeding failed: \(result.text)")
    }

    @Test("readiness names what is missing, then is ready; position and asOf answer for earlier points")
    func readiness() async throws {
        try await ServerHarness.with { server in
            let lines = APIFixtures.almostReady()
            try await Self.seed(server, lines)
            let before = try await server.request(.get, "/v1/readiness", token: Self.read)
            #expect(before.status == 200)
            #expect(before.object?["ready"]?.boolValue == false)
            let missing = before.object?["instances"]?.arrayValue?.first?["missing"]?.arrayValue?.first
            #expect(missing?["workflow"]?.stringValue == "mcSynch_acc1")
            #expect(missing?["state"]?.stringValue == "paused")
            #expect(missing?["need"]?.stringValue == "started")

            try await Self.seed(server, [APIFixtures.restartArchiving])
            let after = try await server.request(.get, "/v1/readiness", token: Self.read)
            #expect(after.object?["ready"]?.boolValue == true)
            #expect(after.object?["position"]?.integerValue == lines.count + 1)

            let earlier = try await server.request(.get, "/v1/readiness?position=\(lines.count)", token: Self.read)
            #expect(earlier.object?["ready"]?.boolValue == false)
            #expect(earlier.object?["position"]?.integerValue == lines.count)
            let past = try await server.request(.get, "/v1/readiness?asOf=2000-01-01T00:00:00Z", token: Self.read)
            #expect(past.object?["position"]?.integerValue == 0)

            let both = try await server.request(.get, "/v1/readiness?position=1&asOf=2000-01-01T00:00:00Z", token: Self.read)
            #expect(both.status == 400)
            let bad = try await server.request(.get, "/v1/readiness?position=-3", token: Self.read)
            #expect(bad.status == 400)
            #expect(bad.errorObject?["parameter"]?.stringValue == "position")
            let badTime = try await server.request(.get, "/v1/readiness?asOf=yesterday", token: Self.read)
            #expect(badTime.status == 400)
            #expect(badTime.errorObject?["parameter"]?.stringValue == "asOf")
        }
    }

    @Test("counts: every status key, per instance and queue; unknown parameters are refused")
    func counts() async throws {
        try await ServerHarness.with { server in
            try await Self.seed(server, [APIFixtures.pending("c-1"), APIFixtures.pending("c-2"),
                                         Fixtures.status("pendingDelivery", instance: "exec-01", eventId: "c-1")])
            let counts = try await server.request(.get, "/v1/counts", token: Self.read)
            #expect(counts.status == 200)
            let byStatus = counts.object?["byStatus"]?.objectValue
            #expect(byStatus?.keys.sorted() == EventStatus.allCases.map(\.rawValue).sorted())
            #expect(byStatus?["pending"]?.integerValue == 1)
            #expect(byStatus?["pendingDelivery"]?.integerValue == 1)
            #expect(counts.object?["byInstance"]?["exec-01"]?["pending"]?.integerValue == 1)
            #expect(counts.object?["byQueue"]?["realtime"]?["pendingDelivery"]?.integerValue == 1)
            let atTwo = try await server.request(.get, "/v1/counts?position=2", token: Self.read)
            #expect(atTwo.object?["byStatus"]?["pending"]?.integerValue == 2)
            let unknown = try await server.request(.get, "/v1/counts?bogus=1", token: Self.read)
            #expect(unknown.status == 400)
            #expect(unknown.errorObject?["parameter"]?.stringValue == "bogus")
        }
    }

    @Test("history pages by position with a next cursor, filters like the CLI, and streams NDJSON")
    func history() async throws {
        try await ServerHarness.with(runProjector: false) { server in
            try await Self.seed(server, (1...25).map { APIFixtures.pending("h-\($0)") })
            var after = 0
            var seen: [Int] = []
            var pages = 0
            while true {
                let page = try await server.request(.get, "/v1/events?limit=10&afterPosition=\(after)", token: Self.read)
                #expect(page.status == 200)
                let events = page.object?["events"]?.arrayValue ?? []
                seen += events.compactMap { $0["position"]?.integerValue }
                pages += 1
                guard let next = page.object?["next"]?.integerValue else { break }
                after = next
                if pages > 10 { break }
            }
            #expect(seen == Array(1...25))
            #expect(pages == 3)

            let one = try await server.request(.get, "/v1/events?stream=rtEvent-exec-01.h-7", token: Self.read)
            let event = one.object?["events"]?.arrayValue?.first
            #expect(one.object?["count"]?.integerValue == 1)
            #expect(event?["position"]?.integerValue == 7)
            #expect(event?["hash"]?.stringValue?.count == 64)
            #expect(event?["data"]?["eventId"]?.stringValue == "h-7")

            let ndjson = try await server.request(.get, "/v1/events?format=ndjson&afterPosition=5", token: Self.read)
            #expect(ndjson.headers[.contentType] == "application/x-ndjson")
            let lines = ndjson.text.split(separator: "\n")
            #expect(lines.count == 20)
            #expect(lines.first.flatMap { try? JSONValue.parse(String($0)) }?["position"]?.integerValue == 6)
            let accept = try await server.request(.get, "/v1/events?limit=3", token: Self.read, headers: [.accept: "application/x-ndjson"])
            #expect(accept.text.split(separator: "\n").count == 3)

            // A limit above the page size means "at most N": a full page and a next cursor.
            let large = try await server.request(.get, "/v1/events?limit=5001", token: Self.read)
            #expect(large.status == 200)
            #expect(large.object?["count"]?.integerValue == 25)
            let malformed = try await server.request(.get, "/v1/events?limit=ten", token: Self.read)
            #expect(malformed.status == 400)
            #expect(malformed.errorObject?["parameter"]?.stringValue == "limit")
        }
    }

    @Test("one stream: its events in version order and its version; 404 for a stream with no events")
    func stream() async throws {
        try await ServerHarness.with(runProjector: false) { server in
            try await Self.seed(server, [APIFixtures.pending("s-1"), Fixtures.status("pendingDelivery", instance: "exec-01", eventId: "s-1"),
                                         Fixtures.status("sent", instance: "exec-01", eventId: "s-1")])
            let stream = try await server.request(.get, "/v1/streams/rtEvent-exec-01.s-1", token: Self.read)
            #expect(stream.status == 200)
            #expect(stream.object?["version"]?.integerValue == 3)
            #expect(stream.object?["events"]?.arrayValue?.compactMap { $0["version"]?.integerValue } == [1, 2, 3])
            let paged = try await server.request(.get, "/v1/streams/rtEvent-exec-01.s-1?fromVersion=2&limit=1", token: Self.read)
            #expect(paged.object?["events"]?.arrayValue?.first?["version"]?.integerValue == 2)
            #expect(paged.object?["next"]?.integerValue == 3)
            let missing = try await server.request(.get, "/v1/streams/rtEvent-exec-01.nope", token: Self.read)
            #expect(missing.status == 404)
            #expect(missing.errorCode == "notFound")
            let noToken = try await server.request(.get, "/v1/streams/rtEvent-exec-01.s-1")
            #expect(noToken.status == 401)
            let appendOnly = try await server.request(.get, "/v1/counts", token: ServerHarness.appendToken)
            #expect(appendOnly.status == 403)
        }
    }

    /// The first page is read before the answer starts, the rest streamed
    /// after it: positions stay gapless across the seam, and `limit` and
    /// `afterPosition` hold on both sides of it.
    @Test("an NDJSON stream longer than one page: gapless across pages, limit and afterPosition respected", arguments: [
        (after: nil, limit: nil), (after: nil, limit: ReadLimits.pageSize), (after: nil, limit: ReadLimits.pageSize + 1),
        (after: 10, limit: ReadLimits.pageSize + 500), (after: 7, limit: nil),
    ] as [(after: Int?, limit: Int?)])
    func longStream(after: Int?, limit: Int?) async throws {
        let total = ReadLimits.pageSize + 1_000
        try await ServerHarness.with(runProjector: false) { server in
            for chunk in stride(from: 0, to: total, by: 2_000) {
                try await Self.seed(server, (chunk..<min(chunk + 2_000, total)).map { APIFixtures.pending("long-\($0)") })
            }
            var uri = "/v1/events?format=ndjson"
            if let after { uri += "&afterPosition=\(after)" }
            if let limit { uri += "&limit=\(limit)" }
            let response = try await server.request(.get, uri, token: Self.read)
            #expect(response.status == 200)
            let positions = response.text.split(separator: "\n").compactMap { try? JSONValue.parse(Array($0.utf8)).objectValue?["position"]?.integerValue }
            let first = (after ?? 0) + 1
            let last = min(total, (after ?? 0) + (limit ?? total))
            #expect(positions == Array(first...last))
        }
    }
}
