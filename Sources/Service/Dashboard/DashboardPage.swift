import Ledger
import Projections

/// The operators' page: readiness first (a banner that answers "may message
/// templates be deployed?"), then each instance with its workflows and what
/// is missing, the counts per status, and the latest events, all at one
/// position of the ledger. The head refreshes itself; an as-of view says so
/// and links back to live.
struct DashboardPage {
    var snapshot: DashboardSnapshot
    var query: DashboardQuery

    var html: HTML {
        let live = query.isLive
        let main: HTML = """
            \(live ? .empty : asOfBanner)
            \(readinessBanner)
            \(summaryTiles)
            <div class="columns">
            <div class="column-main">\(instancesSection)</div>
            <div class="column-side">\(missingSection)\(TimeTravelForm(query: query, head: snapshot.head).html)</div>
            </div>
            \(countsSection)
            \(eventsSection)
            """
        let verdict = snapshot.readiness.ready ? "READY" : "NOT READY"
        let title = live ? "\(verdict) · mcledger" : "\(verdict) at position \(snapshot.position) · mcledger"
        return PageLayout.document(title: title, main: main, signedIn: true,
                                   refreshSeconds: live ? ServiceLimits.dashboardRefreshSeconds : nil, status: topStatus)
    }

    /// "Live" or "As of position N", in the top bar.
    private var topStatus: HTML {
        query.isLive
            ? "<span class=\"pill pill-live\"><span class=\"live-dot\" aria-hidden=\"true\"></span>Live · refreshes every \(ServiceLimits.dashboardRefreshSeconds) s</span>"
            : "<span class=\"pill pill-asof\">As of position \(DashboardFormat.count(snapshot.position))</span>"
    }

    /// The banner of an as-of view: which point is shown, how far behind the
    /// head it is, the way back to live, and one step either way.
    private var asOfBanner: HTML {
        let position = snapshot.position
        let recorded: HTML = snapshot.recordedAt.map { " (recorded \(DashboardFormat.time($0)) UTC)" } ?? " (the empty ledger)"
        let asked: HTML = query.asOf.map { "<span class=\"asof-asked\">You asked for the time \($0).</span> " } ?? .empty
        let behind = snapshot.head - position
        let head: HTML = behind == 0
            ? "This is the current head of the ledger."
            : "The head is at position \(DashboardFormat.count(snapshot.head)), \(DashboardFormat.count(behind)) event\(behind == 1 ? "" : "s") later."
        let previous: HTML = position > 0 ? "<a href=\"/?position=\(position - 1)\">← position \(position - 1)</a>" : .empty
        let next: HTML = position < snapshot.head ? "<a href=\"/?position=\(position + 1)\">position \(position + 1) →</a>" : .empty
        return """
            <div class="asof-banner" role="status">
            <div class="asof-text"><strong>Viewing as of position \(position)</strong>\(recorded). \(asked)\(head)
            This view does not refresh.</div>
            <div class="asof-actions">\(previous)\(next)<a class="button" href="/">Back to live</a></div>
            </div>
            """
    }
}
