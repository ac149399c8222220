/// Coalesces concurrent append requests into shared transactions (group commit).
///
/// While one transaction commits, new requests wait in a queue; when it is
/// done, the next transaction takes every waiting request, up to
/// `maxEvents` events. Throughput therefore comes from batching rather
/// than from concurrent transactions (which the append lock serialises
/// anyway): many requests share one fsync. No timer is involved, so a lone
/// request is never delayed. Each request is acknowledged only after the
/// COMMIT that holds it, and keeps its own atomicity, conflict and
/// idempotency semantics (`EventStore.append(requests:)`).
public actor GroupCommitter {
    /// What one request waits for.
    private struct Waiter {
        let events: [ProposedEvent]
        let continuation: CheckedContinuation<Result<AppendOutcome, LedgerError>, Never>
    }

    /// One group-commit transaction: `EventStore.append(requests:)` on some connection.
    public typealias Commit = @Sendable ([[ProposedEvent]]) async throws(LedgerError) -> [Result<AppendOutcome, LedgerError>]
    /// What one transaction did, for metrics: requests, events, seconds, and whether it committed.
    public struct Round: Sendable {
        public var requests: Int
        public var events: Int
        public var seconds: Double
        public var committed: Bool
    }

    private let commit: Commit
    private let onRound: @Sendable (Round) -> Void
    /// Most events in one shared transaction (a larger single request still goes alone).
    public let maxEvents: Int
    /// After a transaction that served several requests, how long to wait
    /// for its clients' next requests before starting the next transaction,
    /// so that concurrent clients share one transaction instead of
    /// alternating between two half-full ones. A lone client never waits.
    public let gatherWindow: Duration
    private var queue: [Waiter] = []
    private var draining = false

    /// Requests waiting for the next transaction.
    public var waiting: Int { queue.count }
    /// Requests in the transaction now running (0 when idle).
    public private(set) var committing = 0

    /// Statistics: transactions run and requests served.
    public private(set) var transactions = 0
    public private(set) var requests = 0

    public init(store: EventStore, maxEvents: Int = AppendLimits.maxBatchEvents, gatherWindow: Duration = .zero) {
        self.init(maxEvents: maxEvents, gatherWindow: gatherWindow) { requests throws(LedgerError) in try await store.append(requests: requests) }
    }

    /// A committer over any commit function (e.g. one that reconnects), with
    /// `onRound` called after each transaction.
    public init(maxEvents: Int = AppendLimits.maxBatchEvents, gatherWindow: Duration = .zero,
                onRound: @escaping @Sendable (Round) -> Void = { _ in }, commit: @escaping Commit) {
        self.commit = commit
        self.onRound = onRound
        self.maxEvents = maxEvents
        self.gatherWindow = gatherWindow
    }

    /// Appends one request atomically, sharing the transaction with whatever
    /// other requests are waiting at the time.
    public func append(_ events: [ProposedEvent]) async throws(LedgerError) -> AppendOutcome {
        let result = await withCheckedContinuation { continuation in
            queue.append(Waiter(events: events, continuation: continuation))
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
        return try result.get()
    }

    private func drain() async {
        while !queue.isEmpty {
            var taken = 0
            var count = 0
            for waiter in queue {
                if count > 0 && count + waiter.events.count > maxEvents { break }
                count += waiter.events.count
                taken += 1
            }
            let group = Array(queue.prefix(taken))
            queue.removeFirst(taken)
            committing = group.count
            // The actor is free while the transaction runs on the connection's
            // thread, so new requests queue up for the next round.
            let results: [Result<AppendOutcome, LedgerError>]
            let started = ContinuousClock.now
            var committed = true
            do throws(LedgerError) {
                results = try await commit(group.map(\.events))
            } catch {
                committed = false
                results = group.map { _ in .failure(error) }
            }
            committing = 0
            let elapsed = ContinuousClock.now - started
            transactions += 1
            requests += group.count
            onRound(Round(requests: group.count, events: count, seconds: elapsed.seconds, committed: committed))
            for (waiter, result) in zip(group, results) { waiter.continuation.resume(returning: result) }
            if group.count > 1 && gatherWindow > .zero {
                try? await Task.sleep(for: gatherWindow)
            }
        }
        draining = false
    }
}
