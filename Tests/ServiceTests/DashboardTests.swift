import Foundation
import Hummingbird
import Ledger
import LedgerTestSupport
import Testing

/// The dashboard at `/` against a real server: what the HTML says, time
/// travel, errors in the page's own style, the sign-in flow, and escaping.
@Suite("Dashboard: HTML page, time travel, sign-in")
struct DashboardTests {
    static let readToken = ServerHarness.readToken

    @Test("NOT READY names the missing workflow; READY once it is started; the page refreshes itself at the head")
    func readinessBanner() async throws {
        try await ServerHarness.with { server in
            let empty = try await server.request(.get, "/", token: Self.readToken)
            #expect(empty.status == 200)
            #expect(empty.text.contains("NOT READY"))
            #expect(empty.text.contains("no instance is required yet"))
            #expect(empty.text.contains("No events yet"))

            let notReadyAt = try await DashboardSeed.append(DashboardSeed.notReady, to: server)
            let page = try await server.request(.get, "/", token: Self.readToken)
            #expect(page.status == 200)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
            #expect(page.text.contains("data-ready=\"false\""))
            #expect(page.text.contains(">NOT READY<"))
            #expect(page.text.contains(DashboardSeed.missingText))
            #expect(page.text.contains("class=\"workflow workflow-missing\""))
            #expect(page.text.contains("data-position=\"\(notReadyAt)\""))
            #expect(page.text.contains("<meta http-equiv=\"refresh\" content=\"5\">"))
            #expect(!page.text.contains("Viewing as of position"))
            #expect(!page.text.contains("<script"))

            try await DashboardSeed.append([DashboardSeed.fix], to: server)
            let ready = try await server.request(.get, "/", token: Self.readToken)
            #expect(ready.text.contains("data-ready=\"true\""))
            #expect(ready.text.contains(">READY<"))
            #expect(!ready.text.contains("NOT READY"))
            #expect(!ready.text.contains(DashboardSeed.missingText))
            #expect(ready.text.contains("every required workflow is started"))
        }
    }

    @Test("counts per status appear overall, per instance and per queue")
    func counts() async throws {
        try await ServerHarness.with { server in
            try await DashboardSeed.append(DashboardSeed.notReady, to: server)
            let page = try await server.request(.get, "/", token: Self.readToken)
            #expect(page.text.contains("<span data-count=\"total\">3</span>"))
            #expect(page.text.contains("data-count=\"sent\">1<"))
            #expect(page.text.contains("data-count=\"pending\">1<"))
            #expect(page.text.contains("data-count=\"expired\">1<"))
            #expect(page.text.contains("data-count=\"deliveryFailed\">0<"))
            #expect(page.text.contains("<tr><th scope=\"row\">exec-01</th>"))
            #expect(page.text.contains("<tr><th scope=\"row\">realtime</th>"))
            #expect(page.text.contains("<tr><th scope=\"row\">batch</th>"))
            #expect(page.text.contains("<svg class=\"bar stack\""))
            // Retries: none; the latest events list the newest first, linked to their as-of view.
            #expect(page.text.contains("href=\"/?position=\(DashboardSeed.notReady.count)\""))
            #expect(page.text.contains("EventStatusChanged"))
        }
    }

    @Test("an as-of view (position or time) shows the earlier answer, says so, links back to live and does not refresh")
    func timeTravel() async throws {
        try await ServerHarness.with { server in
            let before = try await DashboardSeed.append(DashboardSeed.notReady, to: server)
            try await DashboardSeed.append([DashboardSeed.fix], to: server)

            let asOf = try await server.request(.get, "/?position=\(before)", token: Self.readToken)
            #expect(asOf.status == 200)
            #expect(asOf.text.contains(">NOT READY<"))
            #expect(asOf.text.contains(DashboardSeed.missingText))
            #expect(asOf.text.contains("Viewing as of position \(before)"))
            #expect(asOf.text.contains("<a class=\"button\" href=\"/\">Back to live</a>"))
            #expect(!asOf.text.contains("http-equiv=\"refresh\""))
            #expect(asOf.text.contains("name=\"position\" min=\"0\" max=\"\(before + 1)\" inputmode=\"numeric\" value=\"\(before)\""))

            let event = try await server.request(.get, "/v1/events?afterPosition=\(before - 1)&limit=1", token: Self.readToken)
            let recordedAt = try #require(event.object?["events"]?.arrayValue?.first?["recordedAt"]?.stringValue)
            let byTime = try await server.request(.get, "/?asOf=\(recordedAt)", token: Self.readToken)
            #expect(byTime.status == 200)
            #expect(byTime.text.contains(">NOT READY<"), "as of \(recordedAt)")
            #expect(byTime.text.contains("Viewing as of position \(before)"))
            #expect(byTime.text.contains("You asked for the time \(recordedAt)."))

            // Blank form fields count as absent: the time-travel form submits both.
            let blank = try await server.request(.get, "/?position=&asOf=", token: Self.readToken)
            #expect(blank.status == 200)
            #expect(blank.text.contains(">READY<"))
            #expect(blank.text.contains("http-equiv=\"refresh\""))
        }
    }

    @Test("bad position or asOf: 400 in the page's own HTML, with the reason", arguments: [
        ("/?position=abc", "position must be an integer"),
        ("/?position=-3", "position must be an integer"),
        ("/?position=999999", "outside the ledger"),
        ("/?asOf=yesterday", "not an RFC 3339 time"),
        ("/?position=1&asOf=2026-01-01T00:00:00Z", "not both"),
        ("/?view=all", "unknown query parameter"),
        ("/?position=1&position=2", "more than once"),
    ])
    func badPoint(_ uri: String, _ reason: String) async throws {
        try await ServerHarness.with { server in
            try await DashboardSeed.append(DashboardSeed.notReady, to: server)
            let page = try await server.request(.get, uri, token: Self.readToken)
            #expect(page.status == 400)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.text.contains("That view cannot be shown"))
            #expect(page.text.contains(reason), "\(uri): \(page.text)")
            #expect(page.text.contains("href=\"/static/dashboard.css\""))
        }
    }

    @Test("sign-in: 401 form, wrong token 401, append token 403, read token 303 + cookie that then works, sign-out clears it")
    func signIn() async throws {
        try await ServerHarness.with { server in
            try await DashboardSeed.append(DashboardSeed.notReady, to: server)
            let anonymous = try await server.request(.get, "/")
            #expect(anonymous.status == 401)
            #expect(anonymous.headers[.contentType] == "text/html; charset=utf-8")
            #expect(anonymous.text.contains("<form method=\"post\" action=\"/signin\">"))
            #expect(anonymous.text.contains("name=\"token\""))
            #expect(!anonymous.text.contains("NOT READY"))

            let form = "application/x-www-form-urlencoded"
            let wrong = try await server.request(.post, "/signin", contentType: form, body: "token=not-a-token-0123456789")
            #expect(wrong.status == 401)
            #expect(wrong.text.contains("That token is not valid."))
            #expect(wrong.headers[.setCookie] == nil)

            let append = try await server.request(.post, "/signin", contentType: form, body: "token=\(ServerHarness.appendToken)")
            #expect(append.status == 403)
            #expect(append.text.contains("scope &#39;append&#39;"))
            #expect(append.headers[.setCookie] == nil)

            let signedIn = try await server.request(.post, "/signin", contentType: form, body: "token=\(Self.readToken)&position=3&asOf=")
            #expect(signedIn.status == 303)
            #expect(signedIn.headers[.location] == "/?position=3")
            let cookie = try #require(signedIn.headers[.setCookie])
            #expect(cookie.hasPrefix("mcledger_token=\(Self.readToken)"))
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Strict"))
            #expect(cookie.contains("Path=/"))

            let withCookie = try await server.request(.get, "/", headers: [.cookie: "other=1; mcledger_token=\(Self.readToken)"])
            #expect(withCookie.status == 200)
            #expect(withCookie.text.contains(">NOT READY<"))
            #expect(withCookie.text.contains("action=\"/signout\""))

            let appendCookie = try await server.request(.get, "/", headers: [.cookie: "mcledger_token=\(ServerHarness.appendToken)"])
            #expect(appendCookie.status == 403)
            let staleCookie = try await server.request(.get, "/", headers: [.cookie: "mcledger_token=revoked-token-0123456789"])
            #expect(staleCookie.status == 401)
            #expect(staleCookie.headers[.setCookie]?.contains("Max-Age=0") == true)

            let byURL = try await server.request(.get, "/?token=\(ServerHarness.adminToken)&asOf=2030-01-01T00:00:00Z")
            #expect(byURL.status == 303)
            #expect(byURL.headers[.location] == "/?asOf=2030-01-01T00%3A00%3A00Z")
            #expect(byURL.headers[.setCookie]?.hasPrefix("mcledger_token=\(ServerHarness.adminToken)") == true)
            let badURL = try await server.request(.get, "/?token=\(ServerHarness.appendToken)")
            #expect(badURL.status == 403)

            let signedOut = try await server.request(.post, "/signout")
            #expect(signedOut.status == 303)
            #expect(signedOut.headers[.location] == "/")
            let cleared = try #require(signedOut.headers[.setCookie])
            #expect(cleared.hasPrefix("mcledger_token=;") && cleared.contains("Max-Age=0"))
        }
    }

    @Test("sign-in with an empty or parameters-only Content-Type gets 415, and the server keeps serving")
    func signInWithoutMediaType() async throws {
        // The sign-in form's own parser took the first of the header's
        // ";"-separated parts, and a header with none trapped the process.
        try await ServerHarness.with { server in
            for contentType in [";", " ; charset=utf-8", ""] {
                let response = try await server.request(.post, "/signin", contentType: contentType, body: "token=\(Self.readToken)")
                #expect(response.status == 415, "Content-Type '\(contentType)'")
                #expect(response.headers[.setCookie] == nil)
            }
            #expect(try await server.request(.get, "/healthz").status == 200)
        }
    }

    @Test("hostile names and data are escaped: no markup from the ledger reaches the page")
    func escaping() async throws {
        try await ServerHarness.with { server in
            let hostile = "<script>alert(1)</script>"
            // NameFormat refuses '<' in an instance name: the hostile text can only come in data and metadata.
            let refused = try await server.request(.post, "/v1/events", token: ServerHarness.appendToken,
                                                   body: Fixtures.instance(hostile))
            #expect(refused.status == 400)

            let quoted = Fixtures.quote(hostile)
            let lines = [
                Fixtures.instance("exec-01"),
                "{\"type\":\"WorkflowCreated\",\"data\":{\"instance\":\"exec-01\",\"workflow\":\"rtEventsProcessing\",\"label\":\(quoted)},"
                    + "\"metadata\":{\"actor\":\(Fixtures.quote("\"><img src=x onerror=alert(2)>"))}}",
                Fixtures.workflow("Started", instance: "exec-01", workflow: "rtEventsProcessing"),
                "{\"type\":\"WorkflowFailed\",\"data\":{\"instance\":\"exec-01\",\"workflow\":\"rtEventsProcessing\",\"error\":\(Fixtures.quote("</td></tr></table>" + hostile))}}",
            ]
            try await DashboardSeed.append(lines, to: server)
            let page = try await server.request(.get, "/", token: Self.readToken)
            #expect(page.status == 200)
            #expect(!page.text.contains(hostile))
            #expect(!page.text.contains("<script"))
            #expect(!page.text.contains("<img"))
            #expect(page.text.contains("&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;"))
            #expect(page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(page.text.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"))

            // A hostile query value echoed in an error is escaped too.
            let echoed = try await server.request(.get, "/?asOf=%3Cscript%3Ealert(1)%3C%2Fscript%3E", token: Self.readToken)
            #expect(echoed.status == 400)
            #expect(!echoed.text.contains(hostile))
            #expect(echoed.text.contains("&lt;script&gt;"))
        }
    }

    @Test("the stylesheet is served from the bundle; the page loads nothing from elsewhere")
    func stylesheet() async throws {
        try await ServerHarness.with { server in
            let css = try await server.request(.get, "/static/dashboard.css")
            #expect(css.status == 200)
            #expect(css.headers[.contentType] == "text/css; charset=utf-8")
            #expect(css.text.contains(".banner-ready"))
            let page = try await server.request(.get, "/", token: Self.readToken)
            #expect(!page.text.contains("http://") && !page.text.contains("https://"))
            #expect(!page.text.contains("style=\""))
        }
    }
}
