import Ledger

/// A projection's progress, as `mcledger projections status` shows it.
public struct ProjectionStatus: Sendable, Equatable {
    public var name: String
    /// Last position applied.
    public var checkpoint: Int
    /// The ledger's head when asked.
    public var head: Int
    public var lag: Int { max(head - checkpoint, 0) }
    /// Seconds since the checkpoint last moved (when it lags).
    public var updatedAt: String
    public var rebuiltAt: String?
    public var rebuildSeconds: Double?
    public var rebuildEvents: Int?
    /// Shadow checkpoint of an unfinished rebuild.
    public var rebuildInProgress: Int?
}

extension Projector {
    /// Every projection's checkpoint, lag and last rebuild.
    public func status() async throws(LedgerError) -> [ProjectionStatus] {
        let rows = try await connection.execute("""
            SELECT c.name, c.position, (SELECT coalesce(max(position), 0) FROM mcledger.events),
                   mcledger.canonical_time(c.updated_at), mcledger.canonical_time(c.rebuilt_at), c.rebuild_seconds, c.rebuild_events,
                   (SELECT r.position FROM mcledger.projection_checkpoints r WHERE r.name = c.name || ':rebuild')
            FROM mcledger.projection_checkpoints c WHERE c.name NOT LIKE '%:rebuild' ORDER BY c.name
            """)
        return (0..<rows.count).map { row in
            ProjectionStatus(
                name: rows.string(row, 0) ?? "", checkpoint: rows.int(row, 1) ?? 0, head: rows.int(row, 2) ?? 0,
                updatedAt: rows.string(row, 3) ?? "", rebuiltAt: rows.string(row, 4),
                rebuildSeconds: rows.string(row, 5).flatMap(Double.init), rebuildEvents: rows.int(row, 6),
                rebuildInProgress: rows.int(row, 7))
        }
    }
}
