/// A failure with a stable code, a message that names what was wrong, and the
/// context (line, stream, field) needed to act on it.
///
/// Every error that can reach a user is a `LedgerError`; the edges (CLI, HTTP)
/// map its `code` to an exit status or an HTTP status and never guess from the
/// message text.
public struct LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is. Raw values are stable and appear in JSON output.
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// Malformed JSON, an unknown type, a missing or malformed field, an oversized line.
        case invalidInput
        /// A domain rule refused the event: an illegal workflow or status transition.
        case illegalTransition
        /// `expectedVersion` did not match, or an `eventId` was reused with other content.
        case conflict
        /// The database could not be reached or went away.
        case databaseUnavailable
        /// The database answered with an error that is not the caller's fault.
        case database
        /// `verify` found the ledger altered.
        case ledgerAltered
        /// The command line or request was used wrongly.
        case usage
        /// Something asked for does not exist.
        case notFound
        /// An invariant of mcledger itself did not hold.
        case `internal`
    }

    public var code: Code
    public var message: String
    /// 1-based line of the input that caused the error, when the input was NDJSON.
    public var line: Int?
    /// Extra machine-readable context (e.g. `stream`, `expected`, `actual`, `sqlstate`, `field`).
    public var details: [String: String]

    public init(_ code: Code, _ message: String, line: Int? = nil, details: [String: String] = [:]) {
        self.code = code
        self.message = message
        self.line = line
        self.details = details
    }

    /// The same error, attributed to an input line.
    public func at(line: Int) -> LedgerError {
        var copy = self
        copy.line = line
        return copy
    }

    public var description: String {
        if let line { return "line \(line): \(message)" }
        return message
    }
}
