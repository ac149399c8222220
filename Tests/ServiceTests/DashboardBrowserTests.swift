import Foundation
import Testing

/// The dashboard in a real browser: Debian's Chromium, headless, opens the
/// page from one URL (`/?token=...` signs in through a redirect and a
/// cookie), and what it renders is checked. Chromium is required: without it
/// this test fails, naming the package to install.
@Suite("Dashboard in headless Chromium")
struct DashboardBrowserTests {
    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    @Test("Chromium signs in from one URL and renders NOT READY, the missing workflow and the counts; the screenshot is a PNG")
    func rendersInChromium() async throws {
        let chromium = try #require(Chromium.locate(),
                                    "Chromium is not installed (looked for $CHROMIUM, then \(Chromium.names.joined(separator: ", ")) on PATH): apt-get install -y chromium")
        try await ServerHarness.with { server in
            try await DashboardSeed.append(DashboardSeed.notReady, to: server)
            let url = "http://127.0.0.1:\(server.port)/?token=\(ServerHarness.readToken)"

            let dom = try await chromium.dumpDOM(url)
            #expect(!dom.contains("action=\"/signin\""), "the browser was not signed in by ?token=: \(dom.prefix(2000))")
            #expect(dom.contains("NOT READY"))
            #expect(dom.contains(DashboardSeed.missingText))
            #expect(dom.contains("data-count=\"sent\">1<"))
            #expect(dom.contains("data-count=\"total\">3<"))
            #expect(dom.contains("Live · refreshes every"))

            let png = try await chromium.screenshot(url, width: 1280, height: 1600)
            #expect(Array(png.prefix(8)) == Self.pngSignature, "not a PNG: \(png.prefix(8))")
            #expect(png.count > 20_000, "a 1280x1600 screenshot of the page should be more than 20 kB, got \(png.count) bytes")
            #expect(png.count < 20_000_000)
        }
    }
}
