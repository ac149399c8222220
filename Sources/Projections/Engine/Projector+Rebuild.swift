import Foundation
import Ledger

/// What one rebuild did.
public struct RebuildReport: Sendable, Equatable {
    public var name: String
    public var events: Int
    public var seconds: Double
    public var eventsPerSecond: Double { seconds > 0 ? Double(events) / seconds : 0 }
}

extension Projector {
    /// Rebuilds `name` from the whole ledger into shadow tables while the live
    /// tables keep serving, then swaps them in atomically. An interrupted
    /// rebuild (crash, Ctrl-C) leaves the live tables untouched and resumes
    /// from its own checkpoint when started again.
    ///
    /// With a `helper` connection, a rebuild of counts computes every other
    /// chunk's deltas on it (`mcledger.rebuild_stage`) while this connection
    /// computes and applies the chunk before: two backends, two cores. The
    /// staged deltas are the database's own (computed by the same function,
    /// over a complete range), so the result is the same either way.
    public func rebuild(_ name: String, chunkEvents: Int = Projector.rebuildChunkEvents, helper: PostgresConnection? = nil,
                        progress: (@Sendable (Int, Int) -> Void)? = nil) async throws(LedgerError) -> RebuildReport {
        let started = Date()
        let resumedFrom = try await connection.withTransaction { connection throws(LedgerError) in
            try connection.execute("SELECT mcledger.rebuild_begin($1)", [.text(name)]).int(0, 0) ?? 0
        }
        let head = try await connection.execute("SELECT coalesce(max(position), 0) FROM mcledger.events").int(0, 0) ?? 0
        let staging = name == "counts" ? helper : nil
        var position = resumedFrom
        while position < head {
            try Task.checkCancellation(orThrow: LedgerError(.usage, "rebuild of \(name) interrupted at position \(position); run it again to resume"))
            let next = position + chunkEvents
            guard let staging, next < head else {
                position = try await step(name, chunkEvents)
                progress?(position, head)
                continue
            }
            // The chunk after this one is computed on the helper meanwhile; the
            // step that reaches it applies it (when its range is exactly that one).
            let range = (from: next, to: min(next + chunkEvents, head))
            async let staged: Void = Self.stage(name, range, on: staging)
            position = try await step(name, chunkEvents)
            progress?(position, head)
            do {
                try await staged
            } catch let error as LedgerError {
                throw error
            } catch {
                throw LedgerError(.internal, "rebuild: staging \(range): \(error)")
            }
            if position == range.from {
                position = try await step(name, chunkEvents)
                progress?(position, head)
            }
        }
        let seconds = Date().timeIntervalSince(started)
        let final = try await connection.withTransaction { connection throws(LedgerError) in
            try connection.execute("SELECT mcledger.rebuild_finish($1, $2::double precision)", [.text(name), .text(String(seconds))]).int(0, 0) ?? 0
        }
        return RebuildReport(name: name, events: final - resumedFrom, seconds: Date().timeIntervalSince(started))
    }

    /// One chunk of a rebuild in its own transaction; the new shadow checkpoint.
    private func step(_ name: String, _ chunkEvents: Int) async throws(LedgerError) -> Int {
        try await connection.withTransaction { connection throws(LedgerError) in
            try connection.execute("SELECT mcledger.rebuild_step($1, $2)", [.text(name), .int8(chunkEvents)]).int(0, 0) ?? 0
        }
    }

    private static func stage(_ name: String, _ range: (from: Int, to: Int), on helper: PostgresConnection) async throws(LedgerError) {
        _ = try await helper.withTransaction { connection throws(LedgerError) in
            try connection.execute("SELECT mcledger.rebuild_stage($1, $2, $3)", [.text(name), .int8(range.from), .int8(range.to)])
        }
    }
}

extension Task where Success == Never, Failure == Never {
    /// Throws `error` when the current task is cancelled.
    static func checkCancellation(orThrow error: LedgerError) throws(LedgerError) {
        if Task.isCancelled { throw error }
    }
}
