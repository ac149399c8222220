import Ledger
import Logging

/// The one connection appends go through (the append lock serialises
/// appending transactions anyway, so more connections would only wait).
///
/// It is opened on first use and reopened after the database went away,
/// with a bounded backoff between failed attempts (requests in between get
/// `.databaseUnavailable` at once: 503 with Retry-After). A COMMIT lost with
/// its connection is resolved on a new connection before anyone is answered
/// (`CommitResolver`). Every `.databaseUnavailable` it reports says in
/// `details["commit"]` whether the transaction committed: `"no"` or
/// `"unknown"` (the database stayed out of reach during the resolution).
actor AppendConnection {
    private let conninfo: String
    private let resolver: CommitResolver
    /// The heads this server's appends left (checked by the database at every
    /// append, so another writer, or a reconnect, never makes them wrong).
    private let heads = StreamHeadCache()
    private var connection: PostgresConnection?
    private var backoff = AppendConnectionLimits.initialBackoff
    private var nextAttempt: ContinuousClock.Instant?

    init(conninfo: String, logger: Logger) {
        self.conninfo = conninfo
        self.resolver = CommitResolver(conninfo: conninfo) { verdict, events in
            var detail = ""
            switch verdict {
            case .committed(let first, _): detail = "it committed at positions \(first)...\(first + events - 1)"
            case .notCommitted: detail = "it did not commit"
            case .unknown(let reason): detail = "unresolved: \(reason)"
            }
            logger.warning("the connection was lost during an append's COMMIT; checked after reconnecting: \(detail)",
                           metadata: ["outcome": "\(verdict.name)", "events": "\(events)"])
        }
    }

    /// One group-commit transaction.
    func commit(_ requests: [[ProposedEvent]]) async throws(LedgerError) -> [Result<AppendOutcome, LedgerError>] {
        var retried = false
        while true {
            let (connection, reused) = try await current()
            do {
                let results = try await EventStore(connection: connection, resolver: resolver, heads: heads).append(requests: requests)
                // A resolved in-doubt commit answers normally on a broken connection.
                if await !connection.isUsable { await drop(connection) }
                return results
            } catch {
                if await !connection.isUsable { await drop(connection) }
                guard error.code == .databaseUnavailable else { throw error }
                var failure = error
                // Resolved in-doubt commits never come here (they are per-request results).
                if failure.details["commit"] == nil { failure.details["commit"] = "no" }
                // A reused connection that broke before COMMIT was sent (the
                // server restarted while it sat idle): nothing was committed,
                // so the transaction runs once more on a fresh connection
                // rather than failing requests the database could take.
                if reused && !retried && failure.details["commit"] == "no" {
                    retried = true
                    continue
                }
                throw failure
            }
        }
    }

    func close() async {
        await connection?.close()
        connection = nil
    }

    private func drop(_ broken: PostgresConnection) async {
        await broken.close()
        if connection === broken { connection = nil }
    }

    /// The open connection (reused: true), or a new one.
    private func current() async throws(LedgerError) -> (PostgresConnection, reused: Bool) {
        if let connection { return (connection, true) }
        if let nextAttempt, ContinuousClock.now < nextAttempt {
            throw LedgerError(.databaseUnavailable, "PostgreSQL is unreachable; the next connection attempt is in \(nextAttempt - ContinuousClock.now)", details: ["commit": "no"])
        }
        do {
            let opened = try await PostgresConnection.connect(conninfo, applicationName: "mcledger-serve-append")
            connection = opened
            backoff = AppendConnectionLimits.initialBackoff
            nextAttempt = nil
            return (opened, false)
        } catch {
            nextAttempt = ContinuousClock.now + backoff
            backoff = min(backoff * 2, AppendConnectionLimits.maxBackoff)
            var failure = error
            failure.details["commit"] = "no"
            throw failure
        }
    }
}

/// Bounds of the append connection's reconnect backoff.
enum AppendConnectionLimits {
    /// Pause after the first failed connection attempt; doubles per failure.
    static let initialBackoff: Duration = .milliseconds(50)
    /// Longest pause between attempts: no longer than the Retry-After a client is told.
    static let maxBackoff: Duration = .seconds(ServiceLimits.retryAfterSeconds)
}
