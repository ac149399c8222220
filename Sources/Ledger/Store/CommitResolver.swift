import Foundation

/// Finds out, on a new connection, whether a transaction whose COMMIT was
/// in flight when its connection broke did commit.
///
/// Every appended event has an id (the client's `eventId` or one generated
/// before the insert), so the answer is in `mcledger.events`. The lookup
/// runs only once the lost transaction can no longer change its mind:
/// 1. the lost session's backend, if still there (a half-open connection),
///    is terminated, identified by process id AND start time so that no other
///    session is touched after a server restart reused the pid;
/// 2. the append lock is taken: the lost transaction held it from its first
///    statement, so once we have it that transaction has committed or rolled
///    back, for good;
/// 3. the ids are looked up.
/// Reconnecting is retried with a bounded backoff within a bounded total
/// time; when the database stays out of reach the outcome stays unknown
/// and is reported as such, never guessed.
public struct CommitResolver: Sendable {
    /// Where to reconnect (the conninfo of the connection that broke).
    public var conninfo: String
    /// Longest the whole resolution may take (reconnect attempts, lock wait, lookup).
    public var timeout: Duration
    /// First pause between reconnect attempts; doubles up to `maxBackoff`.
    public var initialBackoff: Duration
    public var maxBackoff: Duration
    /// Told every verdict with the number of events in doubt (for logs and metrics).
    public var onVerdict: @Sendable (Verdict, _ events: Int) -> Void

    public init(conninfo: String, timeout: Duration = ResolveLimits.timeout,
                initialBackoff: Duration = ResolveLimits.initialBackoff, maxBackoff: Duration = ResolveLimits.maxBackoff,
                onVerdict: @escaping @Sendable (Verdict, _ events: Int) -> Void = { _, _ in }) {
        self.conninfo = conninfo
        self.timeout = timeout
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.onVerdict = onVerdict
    }

    /// What became of a transaction whose COMMIT was in doubt.
    public enum Verdict: Sendable, Equatable {
        /// Every id is stored, in order at consecutive positions from
        /// `firstPosition`: that transaction committed. `recordedAt` is the
        /// batch's canonical recorded_at.
        case committed(firstPosition: Int, recordedAt: String?)
        /// The transaction did not commit. `stored` holds the ids that are
        /// nevertheless in the ledger (appended by another writer meanwhile,
        /// e.g. a client's retry elsewhere), with their positions.
        case notCommitted(stored: [UUID: Int])
        /// The database could not be reached within `timeout`: `reason` says why.
        case unknown(reason: String)

        /// `committed`, `notCommitted` or `unknown`.
        public var name: String {
            switch self {
            case .committed: return "committed"
            case .notCommitted: return "notCommitted"
            case .unknown: return "unknown"
            }
        }
    }

    /// Resolves the transaction that was inserting `eventIds` (in insert
    /// order) on the session `lost` (nil when unknown).
    public func resolve(eventIds: [UUID], lost: BackendIdentity?) async -> Verdict {
        let verdict = await attempt(eventIds: eventIds, lost: lost)
        onVerdict(verdict, eventIds.count)
        return verdict
    }

    private func attempt(eventIds: [UUID], lost: BackendIdentity?) async -> Verdict {
        precondition(!eventIds.isEmpty, "a transaction in doubt inserted at least one event")
        let deadline = ContinuousClock.now + timeout
        var backoff = initialBackoff
        var lastFailure = "no attempt was made"
        while true {
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero { break }
            do throws(LedgerError) {
                let connection = try await PostgresConnection.connect(conninfo, applicationName: "mcledger-resolve")
                defer { Task { await connection.close() } }
                let stored = try await lookUp(connection, eventIds, lost: lost, lockWait: deadline - ContinuousClock.now)
                return Self.verdict(eventIds, stored)
            } catch {
                lastFailure = error.message
                // Only an unreachable database is worth another attempt; any
                // other failure (privileges, a missing schema) will not heal.
                guard error.code == .databaseUnavailable || error.details["sqlstate"] == "55P03" else {
                    return .unknown(reason: lastFailure)
                }
            }
            let pause = min(backoff, deadline - ContinuousClock.now)
            if pause <= .zero { break }
            try? await Task.sleep(for: pause)
            backoff = min(backoff * 2, maxBackoff)
        }
        return .unknown(reason: "the database could not be reached within \(timeout): \(lastFailure)")
    }

    /// The stored position (and canonical recorded_at) of each id found.
    private func lookUp(_ connection: PostgresConnection, _ ids: [UUID], lost: BackendIdentity?,
                        lockWait: Duration) async throws(LedgerError) -> [UUID: (position: Int, recordedAt: String)] {
        let waitMillis = max(1, Int(lockWait.components.seconds * 1000 + lockWait.components.attoseconds / 1_000_000_000_000_000))
        return try await connection.withTransaction { connection throws(LedgerError) in
            if let lost {
                // A backend that is gone returns no row; one we may not signal
                // raises 42501 and fails the lookup rather than letting it
                // wait for a session that might never end.
                try connection.execute(ResolveSQL.terminate, [.int8(lost.pid), .text(lost.startedAt)])
            }
            try connection.execute("SELECT set_config('lock_timeout', $1, true)", [.text("\(waitMillis)ms")])
            try connection.execute(AppendSQL.lock, [])
            let rows = try connection.execute(ResolveSQL.lookUp, [.uuidArray(ids)])
            var stored: [UUID: (position: Int, recordedAt: String)] = [:]
            for row in 0..<rows.count {
                guard let text = rows.string(row, 0), let id = UUID(uuidString: text), let position = rows.int(row, 1),
                      let recordedAt = rows.string(row, 2) else {
                    throw LedgerError(.internal, "the commit lookup returned an unreadable row")
                }
                stored[id] = (position, recordedAt)
            }
            return stored
        }
    }

    /// Committed only when every id is stored at consecutive positions in
    /// insert order (what `append_events` does); anything else is not our commit.
    public static func verdict(_ ids: [UUID], _ stored: [UUID: (position: Int, recordedAt: String)]) -> Verdict {
        if let first = stored[ids[0]],
           ids.enumerated().allSatisfy({ stored[$0.element]?.position == first.position + $0.offset }) {
            return .committed(firstPosition: first.position, recordedAt: first.recordedAt)
        }
        return .notCommitted(stored: stored.mapValues(\.position))
    }
}

/// Bounds of the in-doubt commit resolution.
public enum ResolveLimits {
    /// Longest a resolution takes before the outcome is reported unknown.
    /// Below common HTTP client timeouts (30 s), above a PostgreSQL restart
    /// with crash recovery of a small WAL (measured: 1-3 s).
    public static let timeout: Duration = .seconds(15)
    public static let initialBackoff: Duration = .milliseconds(50)
    public static let maxBackoff: Duration = .seconds(1)
}

/// The statements of the resolution.
enum ResolveSQL {
    /// Terminates the lost session's backend if it is still there (same pid, same start).
    /// (Plain text: it runs once per resolution.)
    static let terminate =
        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE pid = $1::int AND backend_start = $2::timestamptz"
    static let lookUp =
        "SELECT event_id::text, position, mcledger.canonical_time(recorded_at) FROM mcledger.events WHERE event_id = ANY($1::uuid[])"
}
