import Hummingbird

/// An error in the dashboard's own style: what went wrong, in the words of
/// the API's error, with the way back (the live view, or another point).
struct ErrorPage {
    var error: APIError
    var query: DashboardQuery
    var signedIn: Bool

    var html: HTML {
        let status = error.status
        let travel: HTML = signedIn && status.code == 400 ? TimeTravelForm(query: query, head: nil).html : .empty
        let main: HTML = """
            <section class="card error-card" role="alert">
            <p class="error-status">\(status.code) · \(status.reasonPhrase)</p>
            <h1>\(headline)</h1>
            <p class="error-message">\(error.message)</p>
            <p class="error-code">error code <code>\(error.code)</code></p>
            <p><a class="button" href="/">Back to the live dashboard</a></p>
            </section>
            \(travel)
            """
        return PageLayout.document(title: "\(status.code) \(status.reasonPhrase) · mcledger", main: main, signedIn: signedIn)
    }

    private var headline: String {
        switch error.status.code {
        case 400: return "That view cannot be shown"
        case 503: return "The database is not available"
        case 500...: return "The dashboard failed"
        default: return error.status.reasonPhrase
        }
    }
}
