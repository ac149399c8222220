import Foundation

/// What one atomic append did.
public struct AppendOutcome: Sendable, Equatable {
    /// Per input event, in input order: the position it was appended at, or,
    /// for a repeat of an event already in the ledger, its original position.
    public var positions: [Int]
    /// Per input event: true when it was a repeat and nothing was appended for it.
    public var isDuplicate: [Bool]
    /// The `recorded_at` of the events appended now (nil when all were repeats).
    public var recordedAt: String?

    /// Events appended by this call.
    public var appended: Int { isDuplicate.lazy.filter { !$0 }.count }
    /// Events acknowledged again without being appended.
    public var duplicates: Int { isDuplicate.lazy.filter { $0 }.count }
    /// Position of the first event appended now (nil when none).
    public var firstPosition: Int? { isDuplicate.firstIndex(of: false).map { positions[$0] } }
    /// Position of the last event appended now (nil when none).
    public var lastPosition: Int? { isDuplicate.lastIndex(of: false).map { positions[$0] } }
}
