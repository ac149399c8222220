import Ledger
import Projections

extension DashboardPage {
    /// Counts per status overall (a bar per status), then per instance and
    /// per queue (numbers and a stacked bar per row).
    var countsSection: HTML {
        let counts = snapshot.counts
        let instances = counts.byInstance.sorted { $0.key < $1.key }
        var instanceRows = instances.prefix(DashboardLimits.maxChartRows).map { (name: $0.key, counts: $0.value) }
        if instances.count > DashboardLimits.maxChartRows {
            var rest = StatusCounts.ByStatus()
            for (_, byStatus) in instances.dropFirst(DashboardLimits.maxChartRows) {
                for status in EventStatus.allCases { rest[status] += byStatus[status] }
            }
            instanceRows.append((name: "\(instances.count - DashboardLimits.maxChartRows) other instances", counts: rest))
        }
        let queues = EventQueue.allCases.map { (name: $0.rawValue, counts: counts.byQueue[$0.rawValue] ?? StatusCounts.ByStatus()) }
        return """
            <section class="card counts" aria-labelledby="counts-title">
            <h2 id="counts-title">Transactional events by status <span class="h-note"><span data-count="total">\(DashboardFormat.count(counts.total))</span> events</span></h2>
            \(StatusChart.bars(counts.byStatus))
            <h3>Per instance</h3>
            \(StatusChart.table("Instance", instanceRows))
            <h3>Per queue</h3>
            \(StatusChart.table("Queue", queues))
            \(StatusChart.legend)
            </section>
            """
    }
}
