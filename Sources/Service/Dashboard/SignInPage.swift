/// The sign-in form: one token field, posted to `/signin`, which keeps the
/// token in an HttpOnly cookie. The view asked for (position or time) rides
/// along in hidden fields, so signing in lands on it.
struct SignInPage {
    /// Why the form is shown again (a wrong token, a token without read scope), if it is.
    var message: String?
    var query: DashboardQuery

    var html: HTML {
        let notice: HTML = message.map { "<p class=\"notice notice-error\" role=\"alert\">\($0)</p>" } ?? .empty
        var hidden = HTML.empty
        if let position = query.position { hidden += "<input type=\"hidden\" name=\"position\" value=\"\(position)\">" }
        if let asOf = query.asOf { hidden += "<input type=\"hidden\" name=\"asOf\" value=\"\(asOf)\">" }
        let main: HTML = """
            <section class="card signin">
            <h1>Sign in</h1>
            <p>The dashboard needs an mcledger token with scope <strong>read</strong> (or <strong>admin</strong>),
            the same tokens as the HTTP API.</p>
            \(notice)
            <form method="post" action="/signin">
            <label for="token">Token</label>
            <input id="token" type="password" name="token" autocomplete="current-password" required autofocus
             maxlength="\(DashboardLimits.maxTokenLength)">
            \(hidden)
            <button type="submit">Sign in</button>
            </form>
            <p class="hint">Scripts and headless browsers can open <code>/?token=TOKEN</code> instead: it signs in the
            same way and redirects to the dashboard. The token is kept in an HttpOnly cookie for this site only;
            <em>Sign out</em> forgets it.</p>
            </section>
            """
        return PageLayout.document(title: "Sign in · mcledger", main: main, signedIn: false)
    }
}
