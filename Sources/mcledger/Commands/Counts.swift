import ArgumentParser
import Ledger
import Projections

/// `mcledger counts`: how many transactional events are in each status.
struct Counts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "How many transactional events are in each status: overall, per instance, per queue and per event type.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var point: PointOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        try await runReportingErrors("counts") {
            let point = try point.point()
            let store = EventStore(connection: try await database.connect())
            defer { Task { await store.connection.close() } }
            let reader = ProjectionReader(store: store)
            try await reader.catchUpIfPermitted(["counts"])
            let counts = try await reader.counts(at: point)
            let out = StandardOutput()
            out.write(json ? counts.json + "\n" : CountsFormat.text(counts))
            out.flush()
        }
    }
}

/// Renderings of `StatusCounts`.
enum CountsFormat {
    static func text(_ counts: StatusCounts) -> String {
        let statuses = EventStatus.allCases
        let width = 14
        func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s : s + String(repeating: " ", count: w - s.count) }
        func lpad(_ s: String, _ w: Int) -> String { s.count >= w ? s : String(repeating: " ", count: w - s.count) + s }
        var text = "Transactional events at position \(counts.position): \(counts.total) (retries: \(counts.retries), late bounces: \(counts.lateBounces))\n\n"
        text += pad("", 22) + statuses.map { lpad(shortLabel($0), width) }.joined() + lpad("total", width) + "\n"
        func row(_ label: String, _ byStatus: StatusCounts.ByStatus) {
            text += pad(label, 22) + statuses.map { lpad(String(byStatus[$0]), width) }.joined() + lpad(String(byStatus.total), width) + "\n"
        }
        row("all", counts.byStatus)
        for (key, value) in counts.byQueue.sorted(by: { $0.key < $1.key }) { row("queue \(key)", value) }
        for (key, value) in counts.byInstance.sorted(by: { $0.key < $1.key }) { row(key, value) }
        return text
    }

    private static func shortLabel(_ status: EventStatus) -> String {
        switch status {
        case .notTakenIntoAccount: return "notTakenInto"
        case .pendingDelivery: return "pendingDeliv"
        case .deliveryFailed: return "deliveryFail"
        default: return status.rawValue
        }
    }
}
