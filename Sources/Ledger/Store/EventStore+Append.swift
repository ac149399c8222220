import Foundation

extension EventStore {
    /// Appends `events` as one atomic batch.
    ///
    /// Order of checks, all inside one READ COMMITTED transaction that holds
    /// the append lock from its first statement:
    /// 1. repeats: an `eventId` already in the ledger (or earlier in the batch)
    ///    with the same stream, type and data is acknowledged with its original
    ///    position and not appended again; with other content it is a conflict;
    /// 2. `expectedVersion` against the stream's version at that point of the batch;
    /// 3. the domain rules of each stream (`StreamState.applying`).
    /// Any failure appends nothing of the batch; the error's `details["index"]`
    /// is the 0-based index of the offending event. The call returns only
    /// after COMMIT succeeded (durable with the server's `synchronous_commit`).
    /// If the connection breaks with COMMIT in flight, the store's `resolver`
    /// finds out on a new connection whether it committed (success with the
    /// stored positions, or `.databaseUnavailable` with `details["commit"]`
    /// `"no"`, or `"unknown"` only when the database stayed unreachable).
    public func append(_ events: [ProposedEvent]) async throws(LedgerError) -> AppendOutcome {
        try await append(requests: [events])[0].get()
    }

    /// Appends several independent requests in ONE transaction (group commit).
    ///
    /// Each request keeps its own atomicity and its own conflict and
    /// idempotency semantics, exactly as if appended alone in order: a request
    /// that fails (conflict, illegal transition) gets its error and appends
    /// nothing, while the others commit. Requests see each other in order
    /// (a later request may continue a stream an earlier one started).
    /// If the transaction itself fails, every request gets that error.
    public func append(requests: [[ProposedEvent]]) async throws(LedgerError) -> [Result<AppendOutcome, LedgerError>] {
        let total = requests.reduce(0) { $0 + $1.count }
        guard total <= AppendLimits.maxTransactionEvents else {
            throw LedgerError(.invalidInput, "one transaction holds at most \(AppendLimits.maxTransactionEvents) events (got \(total))")
        }
        guard total > 0 else { return requests.map { _ in .success(AppendOutcome(positions: [], isDuplicate: [], recordedAt: nil)) } }
        return try await commit(requests, draft: draft(requests, after: []))
    }

    /// Appends a draft made by `draft(_:after:)`: as `append(requests:)`
    /// of its requests, with the checks and encoding already done. A draft
    /// made after another is committed only once that one has committed
    /// (if it failed, drop the draft: its checks assumed the other's events).
    public func append(_ draft: AppendDraft) async throws(LedgerError) -> [Result<AppendOutcome, LedgerError>] {
        try await commit(draft.requests, draft: draft)
    }

    /// Checks `requests` against the heads this store's own appends left
    /// (`heads`), as they will be once `previous` (drafts not committed yet,
    /// oldest first; a stream's head is the one the newest of them leaves)
    /// have committed, and encodes what to send: committing the
    /// draft is then one round trip, and drafting the next batch can go on
    /// while this one commits. A stream not known is taken to be new.
    ///
    /// A hint, never an authority: `append_events` refuses a draft whose heads
    /// are not the streams' heads (another writer, or `previous` did not
    /// commit as drafted), and the requests are then checked again against
    /// the ledger under the append lock. Nil when the store has no cache or a
    /// request does not pass against the cached heads (its answer must come
    /// from the ledger as it is: `append(requests:)` reads it).
    public func draft(_ requests: [[ProposedEvent]], after previous: [AppendDraft]) -> AppendDraft? {
        guard let heads else { return nil }
        let total = requests.reduce(0) { $0 + $1.count }
        var known: [String: StreamHeadCache.Head] = [:]
        var seen: Set<String> = []
        var unknown: [String] = []
        known.reserveCapacity(total)
        seen.reserveCapacity(total)
        for request in requests {
            // By index: the stream is read in place, not a copy of the whole event.
            for index in request.indices {
                let stream = request[index].stream
                guard seen.insert(stream).inserted else { continue }
                if let head = previous.reversed().lazy.compactMap({ $0.plan.heads[stream] }).first {
                    known[stream] = head
                } else {
                    unknown.append(stream)
                }
            }
        }
        known.merge(heads.heads(of: unknown)) { drafted, _ in drafted }
        let plan = AppendPlan.validate(requests, heads: known, stored: [:])
        guard plan.acceptsEveryRequest else { return nil }
        return AppendDraft(requests: requests, plan: plan, parameters: AppendPlan.parameters(plan))
    }

    /// One transaction for `requests`: the draft's single round trip when
    /// there is one and it is not stale, else checked under the lock.
    private func commit(_ requests: [[ProposedEvent]], draft: AppendDraft?) async throws(LedgerError) -> [Result<AppendOutcome, LedgerError>] {
        let total = requests.reduce(0) { $0 + $1.count }
        guard total <= AppendLimits.maxTransactionEvents else {
            throw LedgerError(.invalidInput, "one transaction holds at most \(AppendLimits.maxTransactionEvents) events (got \(total))")
        }
        let lostBackend = await connection.backend
        var attempt = AppendAttempt.stale
        if let draft {
            attempt = try await connection.withTransaction { connection throws(LedgerError) in
                do throws(LedgerError) {
                    return try AppendPlan.insert(connection, draft.plan, draft.parameters)
                } catch where AppendPlan.isStale(error) {
                    return .stale
                }
            }
        }
        if case .stale = attempt {
            attempt = try await connection.withTransaction { connection throws(LedgerError) in
                try AppendPlan.execute(connection, requests)
            }
        }
        guard let results = try await conclude(attempt, lost: lostBackend) else {
            throw LedgerError(.internal, "an append checked against heads read under the append lock found them stale")
        }
        return results
    }

    /// Appends a draft on this store's connection while the transaction it
    /// was drafted after (`predecessor`, its id) may still be in flight on
    /// another connection: `append_events` appends only once that one has
    /// committed (checked under the append lock), so this batch can neither
    /// overtake it nor commit when it does not. `begun`, when given, is told
    /// this transaction's own id before its insert is sent (one more round
    /// trip), so that the next batch can follow it in turn.
    ///
    /// `.refused` (nothing appended) when the predecessor had not committed
    /// when this transaction got the lock, or the draft's heads were stale:
    /// append the requests again once the predecessor's outcome is known.
    /// There is no fallback here: checking again under the lock before the
    /// predecessor is done would check against the wrong heads.
    public func append(_ draft: AppendDraft, following predecessor: TransactionID?,
                       begun: (@Sendable (TransactionID) -> Void)?) async throws(LedgerError) -> FollowingAppend {
        let lostBackend = await connection.backend
        let attempt = try await connection.withTransaction { connection throws(LedgerError) in
            if let begun {
                guard let id = try connection.execute(AppendSQL.transactionID).string(0, 0) else {
                    throw LedgerError(.internal, "pg_current_xact_id() returned no value")
                }
                begun(TransactionID(id))
            }
            do throws(LedgerError) {
                return try AppendPlan.insert(connection, draft.plan, draft.parameters, following: predecessor)
            } catch where AppendPlan.isStale(error) || AppendPlan.isOvertaking(error) {
                return .stale
            }
        }
        guard let results = try await conclude(attempt, lost: lostBackend) else { return .refused }
        return .done(results)
    }

    /// Each request's answer from a finished attempt (nil when it was stale):
    /// the heads it left are recorded, and a COMMIT lost with the connection
    /// is resolved on a new one.
    private func conclude(_ attempt: AppendAttempt, lost lostBackend: BackendIdentity?) async throws(LedgerError) -> [Result<AppendOutcome, LedgerError>]? {
        switch attempt {
        case .done(let results, let heads):
            self.heads?.record(heads)
            return results
        case .inDoubt(let plan, let error):
            heads?.forget(plan.streams)
            // The connection broke with COMMIT in flight: find out, never guess.
            guard let resolver else { throw error }
            let verdict = await resolver.resolve(eventIds: plan.insertIds, lost: lostBackend)
            return plan.results(after: verdict, commitError: error)
        case .stale:
            return nil
        }
    }
}

/// A transaction's id (`pg_current_xact_id()`, PostgreSQL's `xid8`) as
/// PostgreSQL prints it.
public struct TransactionID: Sendable, Hashable, CustomStringConvertible {
    public let description: String

    public init(_ text: String) {
        description = text
    }
}

/// What `EventStore.append(_:following:begun:)` came to.
public enum FollowingAppend: Sendable {
    /// Each request's answer (committed, or resolved after a lost COMMIT).
    case done([Result<AppendOutcome, LedgerError>])
    /// Nothing was appended: the predecessor had not committed when this
    /// transaction got the append lock, or the draft was stale.
    case refused
}

/// An append checked ahead against cached stream heads, with its statement's
/// parameters encoded (`EventStore.draft(_:after:)`).
public struct AppendDraft: Sendable {
    let requests: [[ProposedEvent]]
    let plan: AppendPlan.Accepted
    let parameters: [SQLParameter]
}
