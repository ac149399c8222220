/// The frame every dashboard page shares: document head, top bar (with
/// sign-out when signed in), main column and footer. No script anywhere: the
/// page works, and refreshes, with JavaScript disabled.
enum PageLayout {
    /// A whole document. `refreshSeconds` adds a `<meta http-equiv="refresh">`
    /// (live views only).
    static func document(title: String, main: HTML, signedIn: Bool, refreshSeconds: Int? = nil, status: HTML = .empty) -> HTML {
        let refresh: HTML = refreshSeconds.map { "<meta http-equiv=\"refresh\" content=\"\($0)\">\n" } ?? .empty
        let signOut: HTML = signedIn
            ? "<form class=\"signout\" method=\"post\" action=\"/signout\"><button type=\"submit\">Sign out</button></form>"
            : .empty
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="color-scheme" content="light dark">
            \(refresh)<title>\(title)</title>
            <link rel="stylesheet" href="/static/dashboard.css">
            </head>
            <body>
            <header class="topbar"><div class="wrap topbar-inner">
            <a class="brand" href="/"><span class="brand-mark" aria-hidden="true"></span>mcledger</a>
            <span class="brand-sub">Message Center ledger</span>
            <span class="topbar-status">\(status)</span>
            \(signOut)
            </div></header>
            <main class="wrap">
            \(main)
            </main>
            <footer class="wrap footer">
            mcledger · readiness and counts are computed from the ledger's events alone ·
            API described at <a href="/openapi.json">/openapi.json</a>
            </footer>
            </body>
            </html>

            """
    }
}
