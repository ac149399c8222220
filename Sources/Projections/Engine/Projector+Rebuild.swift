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
    public func rebuild(_ name: String, chunkEvents: Int = Projector.rebuildChunkEvents,
                        progress: (@Sendable (Int, Int) -> Void)? = nil) async throws(LedgerError) -> RebuildReport {
        let started = Date()
        let resumedFrom = try await connection.withTransaction { connection throws(LedgerError) in
            try connection.execute("SELECT mcledger.rebuild_begin($1)", [.text(name)]).int(0, 0) ?? 0
        }
        let head = try await connection.execute("SELECT coalesce(max(position), 0) FROM mcledger.events").int(0, 0) ?? 0
        var position = resumedFrom
        while position < head {
            try Task.checkCancellation(orThrow: LedgerError(.usage, "rebuild of \(name) interrupted at position \(position); run it again to resume"))
            position = try await connection.withTransaction { connection throws(LedgerError) in
                try connection.execute("SELECT mcledger.rebuild_step($1, $2)", [.text(name), .int8(chunkEvents)]).int(0, 0) ?? 0
            }
            progress?(position, head)
        }
        let seconds = Date().timeIntervalSince(started)
        let final = try await connection.withTransaction { connection throws(LedgerError) in
            try connection.execute("SELECT mcledger.rebuild_finish($1, $2::double precision)", [.text(name), .text(String(seconds))]).int(0, 0) ?? 0
        }
        return RebuildReport(name: name, events: final - resumedFrom, seconds: Date().timeIntervalSince(started))
    }
}

extension Task where Success == Never, Failure == Never {
    /// Throws `error` when the current task is cancelled.
    static func checkCancellation(orThrow error: LedgerError) throws(LedgerError) {
        if Task.isCancelled { throw error }
    }
}
