import Ledger
import Projections

/// Everything the dashboard shows, read on one pooled connection and pinned
/// to one position: readiness is read first (resolving the head or a time to
/// a position), then counts and the latest events are read at that same
/// position, so the three parts of the page always agree.
struct DashboardSnapshot: Sendable {
    /// Instances, accounts and workflows with their states at `position`.
    var topology: Topology
    var readiness: ReadinessAnswer
    var counts: StatusCounts
    /// The newest events at or before `position`, newest first.
    var latest: [RecordedEvent]
    /// The head of the ledger when the page was read (at least `position`).
    var head: Int

    /// The ledger position every part of the page reflects.
    var position: Int { readiness.position }

    /// When the event at `position` was recorded (nil for an empty ledger).
    var recordedAt: String? {
        latest.first { $0.position == position }?.recordedAt
    }

    /// Reads the snapshot at `point`.
    static func read(_ services: LedgerServices, at point: ProjectionReader.Point) async throws -> DashboardSnapshot {
        try await services.read { connection throws(LedgerError) in
            let store = EventStore(connection: connection)
            let reader = ProjectionReader(store: store)
            let (topology, readiness) = try await reader.topologyAndReadiness(at: point)
            let pinned = ProjectionReader.Point.position(readiness.position)
            let counts = try await reader.counts(at: pinned)
            let latest = try await store.latest(ServiceLimits.dashboardLatestEvents, atOrBefore: readiness.position)
            let head = try await store.head()?.position ?? 0
            return DashboardSnapshot(topology: topology, readiness: readiness, counts: counts, latest: latest,
                                     head: max(head, readiness.position))
        }
    }
}
