import Foundation
import Ledger
import LedgerTestSupport
import Testing

@Suite("HTTP: verify, digest, projections")
struct AdminAPITests {
    static let admin = ServerHarness.adminToken

    @Test("verify and digest: ok on an intact ledger, against an earlier digest too; admin only")
    func verify() async throws {
        try await ServerHarness.with(runProjector: false) { server in
            let empty = try await server.request(.get, "/v1/digest", token: Self.admin)
            #expect(empty.object?["position"]?.integerValue == 0)
            try await ReadAPITests.seed(server, (1...5).map { APIFixtures.pending("v-\($0)") })
            let digest = try await server.request(.get, "/v1/digest", token: Self.admin)
            #expect(digest.status == 200)
            #expect(digest.object?["position"]?.integerValue == 5)
            let earlier = digest.object?["digest"]?.stringValue ?? ""
            try await ReadAPITests.seed(server, [APIFixtures.pending("v-6")])
            let report = try await server.request(.get, "/v1/verify?against=\(earlier)", token: Self.admin)
            #expect(report.status == 200)
            #expect(report.object?["ok"]?.boolValue == true)
            #expect(report.object?["checked"]?.integerValue == 6)
            let forged = try await server.request(.get, "/v1/verify?against=5:" + String(repeating: "ab", count: 32), token: Self.admin)
            #expect(forged.object?["ok"]?.boolValue == false)
            let malformed = try await server.request(.get, "/v1/verify?against=nonsense", token: Self.admin)
            #expect(malformed.status == 400)
            let read = try await server.request(.get, "/v1/verify", token: ServerHarness.readToken)
            #expect(read.status == 403)
        }
    }

    @Test("projection status, and a rebuild that runs in the background and shows up in the status")
    func projections() async throws {
        try await ServerHarness.with(runProjector: false) { server in
            try await ReadAPITests.seed(server, (1...5).map { APIFixtures.pending("p-\($0)") })
            let status = try await server.request(.get, "/v1/projections", token: Self.admin)
            #expect(status.status == 200)
            #expect(status.object?["projections"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["counts", "readiness"])
            let bad = try await server.request(.post, "/v1/projections/rebuild?names=nope", token: Self.admin)
            #expect(bad.status == 400)
            // An empty name in the list is not "all" (schemathesis found `names=,` accepted).
            for names in ["%2C", "counts%2C", "%2Ccounts", "counts%2C%2Creadiness"] {
                let empty = try await server.request(.post, "/v1/projections/rebuild?names=\(names)", token: Self.admin)
                #expect(empty.status == 400, "names=\(names)")
                #expect(empty.object?["error"]?["parameter"]?.stringValue == "names", "names=\(names)")
            }
            let started = try await server.request(.post, "/v1/projections/rebuild?names=counts", token: Self.admin)
            #expect(started.status == 202)
            var rebuilt = false
            for _ in 0..<100 where !rebuilt {
                try await Task.sleep(for: .milliseconds(100))
                let now = try await server.request(.get, "/v1/projections", token: Self.admin)
                let counts = now.object?["projections"]?.arrayValue?.first { $0["name"]?.stringValue == "counts" }
                rebuilt = counts?["rebuildEvents"]?.integerValue == 5 && now.object?["rebuilding"]?.isNull == true
            }
            #expect(rebuilt)
        }
    }
}
