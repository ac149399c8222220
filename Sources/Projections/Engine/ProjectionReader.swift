import Foundation
import Ledger

/// Answers readiness and counts at the head of the ledger or at any earlier
/// position, from the projections plus the events after their checkpoints,
/// so answers are exact even when no projector is running.
public struct ProjectionReader: Sendable {
    public let store: EventStore

    public init(store: EventStore) {
        self.store = store
    }

    /// Which point of the ledger a question is about.
    public enum Point: Sendable, Equatable {
        case head
        case position(Int)
        case time(Date)
    }

    /// Readiness at `point`.
    public func readiness(at point: Point = .head) async throws(LedgerError) -> ReadinessAnswer {
        try await topologyAndReadiness(at: point).answer
    }

    /// The topology (instances, accounts, workflows and their states) at
    /// `point` and the readiness answer computed from it, in one snapshot.
    public func topologyAndReadiness(at point: Point = .head) async throws(LedgerError) -> (topology: Topology, answer: ReadinessAnswer) {
        try await inSnapshot(point) { connection, position throws(LedgerError) in
            let rows = try connection.execute(
                "SELECT category, first_data::text, last_type FROM mcledger.topology_at($1)", [.int8(position)])
            var topology = Topology()
            for row in 0..<rows.count {
                guard let category = rows.string(row, 0), let type = rows.string(row, 2),
                      let first = rows.withBytes(row, 1, { try? JSONValue.parse(Array($0)) }) ?? nil,
                      let data = first.objectValue else { continue }
                topology.add(category: category, firstData: data, lastType: type)
            }
            return (topology, ReadinessRules.evaluate(topology, position: position))
        }
    }

    /// Status counts at `point`.
    public func counts(at point: Point = .head) async throws(LedgerError) -> StatusCounts {
        try await inSnapshot(point) { connection, position throws(LedgerError) in
            let rows = try connection.execute(
                "SELECT instance, queue, event_type, metric, n FROM mcledger.counts_at($1)", [.int8(position)])
            var counts = StatusCounts(position: position)
            for row in 0..<rows.count {
                counts.add(instance: rows.string(row, 0) ?? "", queue: rows.string(row, 1) ?? "",
                           eventType: rows.string(row, 2) ?? "", metric: rows.string(row, 3) ?? "", n: rows.int(row, 4) ?? 0)
            }
            return counts
        }
    }

    /// Runs `body` in one read-only snapshot, with `point` resolved to a
    /// position in that same snapshot (so "the head" is the head it reads).
    private func inSnapshot<T: Sendable>(
        _ point: Point,
        _ body: @escaping @Sendable (isolated PostgresConnection, Int) throws(LedgerError) -> T
    ) async throws(LedgerError) -> T {
        try await store.connection.withTransaction(isolation: .repeatableReadReadOnly) { connection throws(LedgerError) in
            let head = try connection.execute("SELECT coalesce(max(position), 0) FROM mcledger.events").int(0, 0) ?? 0
            let position: Int
            switch point {
            case .head:
                position = head
            case .position(let requested):
                guard requested >= 0, requested <= head else {
                    throw LedgerError(.usage, "position \(requested) is outside the ledger (0...\(head))", details: ["head": "\(head)"])
                }
                position = requested
            case .time(let time):
                // A binary search over positions in this snapshot (recorded_at never decreases with position).
                position = try connection.execute(
                    "SELECT mcledger.last_position_at($1)", [.timestamptz(time)]).int(0, 0) ?? 0
            }
            return try body(connection, position)
        }
    }
}

extension ProjectionReader {
    /// Brings `names` up to the head first when the session may run the
    /// projector, so that answers at the head only add a few events to the
    /// projection. A session that may not still gets an exact answer (the
    /// projection plus every event after its checkpoint), without writing:
    /// a role without the right (mcledger_read), and any read-only session,
    /// such as every session of a hot standby (`--database-url` naming a
    /// streaming replica), where moving a checkpoint would fail with
    /// "cannot execute UPDATE in a read-only transaction".
    public func catchUpIfPermitted(_ names: [String]) async throws(LedgerError) {
        if try await isReadOnlySession() { return }
        do throws(LedgerError) {
            try await Projector(connection: store.connection).catchUp(names)
        } catch where error.details["sqlstate"] == "42501" || error.details["sqlstate"] == "25006" {
            return // no right to write (42501), or read-only (25006): the answer is computed without moving the checkpoint
        }
    }

    /// True on a session whose transactions are read-only: a hot standby
    /// (`pg_is_in_recovery()`), or `default_transaction_read_only` set.
    public func isReadOnlySession() async throws(LedgerError) -> Bool {
        try await store.connection.execute(
            "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'").bool(0, 0) ?? false
    }
}
