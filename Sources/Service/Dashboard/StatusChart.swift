import Ledger
import Projections

/// Bar charts of status counts as inline SVG. Widths are SVG attributes (not
/// inline styles), so they draw under `Content-Security-Policy: default-src
/// 'self'`; colours come from the stylesheet (`st-<status>` classes).
enum StatusChart {
    /// Width of every bar in SVG units; the bar stretches to its box.
    static let scale = 1000
    /// The narrowest segment drawn for a non-zero count, so a rare status stays visible.
    static let minimumSegment = 4

    /// One bar per status, as a share of all events, with its number.
    static func bars(_ counts: StatusCounts.ByStatus) -> HTML {
        let total = counts.total
        let rows: [HTML] = EventStatus.allCases.map { status in
            let count = counts[status]
            let width = segment(count, of: total)
            let share = DashboardFormat.percent(count, of: total)
            return """
                <div class="bar-row\(count == 0 ? " bar-zero" : "")">
                <span class="bar-label"><span class="swatch st-\(status.rawValue)" aria-hidden="true"></span>\(status.label)</span>
                <svg class="bar" viewBox="0 0 \(scale) 10" preserveAspectRatio="none" role="img" aria-label="\(status.label): \(share)">\
                <rect class="bar-track" width="\(scale)" height="10"/><rect class="st-\(status.rawValue)" width="\(width)" height="10"/></svg>
                <span class="bar-count" data-count="\(status.rawValue)">\(DashboardFormat.count(count))</span>
                <span class="bar-share">\(share)</span>
                </div>
                """
        }
        return "<div class=\"bars\">\(rows)</div>"
    }

    /// A table of rows (instances or queues): the number per status, the
    /// total, and a bar stacking the statuses of the row.
    static func table(_ heading: String, _ rows: [(name: String, counts: StatusCounts.ByStatus)]) -> HTML {
        let header: [HTML] = EventStatus.allCases.map { "<th scope=\"col\" class=\"num\" title=\"\($0.label)\">\(shortLabel($0))</th>" }
        let body: [HTML] = rows.map { row in
            let cells: [HTML] = EventStatus.allCases.map { status in
                let count = row.counts[status]
                return "<td class=\"num\(count == 0 ? " zero" : "")\">\(DashboardFormat.count(count))</td>"
            }
            return """
                <tr><th scope="row">\(row.name)</th>\(cells)<td class="num total">\(DashboardFormat.count(row.counts.total))</td>\
                <td class="stack-cell">\(stacked(row.counts, name: row.name))</td></tr>
                """
        }
        let empty: HTML = rows.isEmpty ? "<tr><td class=\"muted\" colspan=\"\(EventStatus.allCases.count + 3)\">No events yet.</td></tr>" : .empty
        return """
            <div class="scroll"><table class="counts-table">
            <thead><tr><th scope="col">\(heading)</th>\(header)<th scope="col" class="num">Total</th><th scope="col" class="stack-cell">Distribution</th></tr></thead>
            <tbody>\(body)\(empty)</tbody>
            </table></div>
            """
    }

    /// One bar, each status a segment in proportion to its count.
    static func stacked(_ counts: StatusCounts.ByStatus, name: String) -> HTML {
        let total = counts.total
        var x = 0
        var segments: [HTML] = []
        for status in EventStatus.allCases where counts[status] > 0 {
            let width = min(segment(counts[status], of: total), scale - x)
            segments.append("""
                <rect class="st-\(status.rawValue)" x="\(x)" width="\(width)" height="10">\
                <title>\(status.label): \(DashboardFormat.count(counts[status])) (\(DashboardFormat.percent(counts[status], of: total)))</title></rect>
                """)
            x += width
        }
        return """
            <svg class="bar stack" viewBox="0 0 \(scale) 10" preserveAspectRatio="none" role="img" aria-label="\(name): statuses of \(DashboardFormat.count(total)) events">\
            <rect class="bar-track" width="\(scale)" height="10"/>\(segments)</svg>
            """
    }

    /// The colour key of the stacked bars.
    static var legend: HTML {
        let items: [HTML] = EventStatus.allCases.map {
            "<li><span class=\"swatch st-\($0.rawValue)\" aria-hidden=\"true\"></span>\($0.label)</li>"
        }
        return "<ul class=\"legend\">\(items)</ul>"
    }

    /// Column heading of a status in the tables.
    static func shortLabel(_ status: EventStatus) -> String {
        switch status {
        case .pending: return "Pending"
        case .pendingDelivery: return "Pending delivery"
        case .sent: return "Sent"
        case .ignored: return "Ignored"
        case .deliveryFailed: return "Failed"
        case .notTakenIntoAccount: return "Not taken"
        case .expired: return "Expired"
        }
    }

    /// Width of `count` out of `total` in SVG units (at least `minimumSegment` when non-zero).
    private static func segment(_ count: Int, of total: Int) -> Int {
        guard count > 0, total > 0 else { return 0 }
        return max(minimumSegment, count * scale / total)
    }
}
