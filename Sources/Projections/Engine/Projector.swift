import Foundation
import Ledger

/// Keeps the projections up to date: catches up from each checkpoint in
/// batches, then follows the ledger live (woken by NOTIFY from the append
/// path, with a poll as a fallback). Each batch and its checkpoint commit
/// together (`mcledger.project`), so a crash never double-counts or skips.
public struct Projector: Sendable {
    /// The projections mcledger maintains.
    public static let names = ["readiness", "counts"]
    /// Events applied per transaction by the live projector.
    public static let batchEvents = 50_000
    /// Events applied per transaction by a rebuild (a multiple of the counts
    /// snapshot interval, so every chunk ends exactly on a snapshot).
    public static let rebuildChunkEvents = 100_000
    /// Longest wait for a notification before polling anyway.
    public static let pollInterval: Duration = .seconds(1)
    /// Shortest time between two projector rounds (see `run`).
    public static let minimumInterval: Duration = .milliseconds(250)

    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Validates projection names given by a user (all of them when empty).
    public static func validate(_ names: [String]) throws(LedgerError) -> [String] {
        if names.isEmpty { return Self.names }
        for name in names where !Self.names.contains(name) {
            throw LedgerError(.usage, "unknown projection '\(name)': expected one of \(Self.names.joined(separator: ", "))")
        }
        return names
    }

    /// Applies every event up to the head as it is when the call starts (not
    /// chasing a head that keeps moving under load: the next round takes
    /// the rest); returns each projection's checkpoint.
    @discardableResult
    public func catchUp(_ names: [String] = Projector.names, maxEvents: Int = Projector.batchEvents,
                        progress: (@Sendable (String, Int) -> Void)? = nil) async throws(LedgerError) -> [String: Int] {
        let head = try await connection.execute("SELECT coalesce(max(position), 0) FROM mcledger.events").int(0, 0) ?? 0
        var reached: [String: Int] = [:]
        for name in names {
            var previous = -1
            while true {
                let position = try await step(name, maxEvents: maxEvents)
                progress?(name, position)
                if position == previous || position >= head {
                    previous = position
                    break
                }
                previous = position
            }
            reached[name] = previous
        }
        return reached
    }

    /// One checkpointed batch of one projection; returns its new checkpoint.
    public func step(_ name: String, maxEvents: Int = Projector.batchEvents) async throws(LedgerError) -> Int {
        try await connection.withTransaction { connection throws(LedgerError) in
            try connection.execute("SELECT mcledger.project($1, $2)", [.text(name), .int8(maxEvents)]).int(0, 0) ?? 0
        }
    }

    /// Follows the ledger until the task is cancelled. Rounds are at least
    /// `minimumInterval` apart, so that a busy ledger (a commit every
    /// millisecond) is projected in batches rather than one commit at a time:
    /// answers stay exact meanwhile (readers add the events after the
    /// checkpoint), and the projector leaves the CPU to the appends.
    public func run(minimumInterval: Duration = Projector.minimumInterval,
                    onBatch: (@Sendable ([String: Int]) -> Void)? = nil) async throws(LedgerError) {
        try await connection.listen("mcledger_events")
        while !Task.isCancelled {
            let reached = try await catchUp()
            onBatch?(reached)
            try? await Task.sleep(for: minimumInterval)
            _ = try await connection.waitForNotifications(timeout: Self.pollInterval)
        }
    }
}
