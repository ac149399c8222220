/// What `verify` found.
public struct VerificationReport: Sendable, Equatable {
    /// One thing that does not hold.
    public struct Problem: Sendable, Equatable {
        /// Stable kind: `gap`, `hash`, `time`, `version`, `digest`, `truncation`,
        /// `projection`, `guarantee`.
        public var kind: String
        /// The first position concerned, when there is one.
        public var position: Int?
        public var message: String
    }

    /// Most problems listed; counting goes on past it.
    public static let maxProblems = 100

    /// Events whose hash was recomputed.
    public var checked = 0
    /// The head as stored (nil for an empty ledger).
    public var head: Digest?
    public var problems: [Problem] = []
    /// Problems found in all (may exceed `problems.count`).
    public var problemCount = 0

    /// True when every check passed.
    public var ok: Bool { problemCount == 0 }

    /// The lowest position named by any problem.
    public var firstBadPosition: Int? { problems.compactMap(\.position).min() }

    mutating func add(_ kind: String, _ position: Int?, _ message: String) {
        problemCount += 1
        if problems.count < Self.maxProblems { problems.append(Problem(kind: kind, position: position, message: message)) }
    }
}
