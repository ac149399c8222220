/// "Show the ledger as it was": a GET form to `/` with a position or an RFC
/// 3339 time, prefilled with the view being shown. A plain form, so it works
/// without JavaScript and every view has a URL that can be shared.
struct TimeTravelForm {
    var query: DashboardQuery
    /// The head of the ledger, when known (bounds the position field).
    var head: Int?

    var html: HTML {
        let max: HTML = head.map { " max=\"\($0)\"" } ?? .empty
        let placeholder = "2026-11-27T10:02:00Z"
        return """
            <section class="card travel" aria-labelledby="travel-title">
            <h2 id="travel-title">Time travel</h2>
            <p class="hint">Show readiness, counts and events as they were at a position of the ledger or at a time
            (UTC unless it carries an offset). Fill in one of the two.</p>
            <form method="get" action="/">
            <div class="travel-fields">
            <label>Position<input type="number" name="position" min="0"\(max) inputmode="numeric" value="\(query.position ?? "")"></label>
            <span class="travel-or">or</span>
            <label>Time (RFC 3339)<input type="text" name="asOf" placeholder="\(placeholder)" spellcheck="false" value="\(query.asOf ?? "")"></label>
            </div>
            <div class="travel-actions"><button type="submit">Show</button><a class="button button-quiet" href="/">Back to live</a></div>
            </form>
            </section>
            """
    }
}
