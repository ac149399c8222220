import Ledger

/// Appends batches in order, each atomic, the first failure stopping
/// everything after it, while the caller reads, parses and checks the next
/// batch (against the stream heads the batches in flight will leave: a draft).
///
/// With one connection, one batch is in flight. With a second one (opened on
/// first need by `openSecond`), batch N+1 is sent on it while N is still in
/// flight: its backend receives and parses N+1's arrays while N holds the
/// append lock, the only part of an append that can overlap another (about
/// a sixth of the backend's work; +15% events/s, docs/performance.md). N+1
/// names N's transaction (`EventStore.append(_:following:begun:)`), and
/// `append_events` appends it only once N has committed: it can neither
/// overtake N nor commit when N does not. A batch refused that way (or
/// stale) is appended again, checked under the lock, once N is settled; the
/// batch that followed the refused one is refused in turn, and the batch
/// after that waits for it instead of following it, so that one refusal
/// costs two batches their overlap, not every batch after it.
struct PipelinedAppender {
    private var stores: [EventStore]
    private let openSecond: (@Sendable () async throws(LedgerError) -> EventStore)?
    private var triedSecond = false
    /// Oldest first; at most one per connection.
    private var inFlight: [Flight] = []
    /// True when the oldest batch in flight followed a batch that was
    /// refused: its predecessor never commits, so it will be refused too,
    /// and nothing may follow it.
    private var oldestFollowsRefused = false

    private struct Flight {
        let task: Task<Timed, any Error>
        let store: EventStore
        let events: [ProposedEvent]
        let lines: [Int]
        let lastLine: Int
        let draft: AppendDraft?
        /// True when it was sent following the batch before it.
        let followed: Bool
        /// Yields the batch's transaction id once it has begun, and ends
        /// (without one, when the batch did not ask for it) when it is done.
        let begun: AsyncStream<TransactionID>

        /// "the batch of lines A-B", for messages.
        var described: String { "the batch of lines \(lines.first ?? 0)-\(lines.last ?? 0)" }
    }

    /// A transaction's answer, and how long it took from being sent to being answered.
    private struct Timed {
        let answer: FollowingAppend
        let seconds: Double
    }

    /// `openSecond` opens a second connection to the same database, sharing
    /// `store`'s stream-head cache; without it one batch is in flight.
    init(store: EventStore, openSecond: (@Sendable () async throws(LedgerError) -> EventStore)? = nil) {
        stores = [store]
        self.openSecond = openSecond
    }

    /// Waits for the batch in flight on the next connection (if any), then
    /// starts appending `events`. `lines` are the input line of each event;
    /// `lastLine` the last input line the batch covers (blank lines included).
    mutating func submit(_ events: [ProposedEvent], lines: [Int], lastLine: Int, into summary: inout AppendSummary) async throws(LedgerError) {
        // Checked while the batches before it commit; if they do not commit
        // as drafted, the database refuses this draft and it is checked again.
        let draft = events.isEmpty ? nil : stores[0].draft([events], after: inFlight.compactMap(\.draft))
        guard !events.isEmpty else {
            try await drain(into: &summary)
            summary.committedLines = lastLine
            return
        }
        if !inFlight.isEmpty && draft != nil { await openSecondIfNeeded() }
        while inFlight.count >= stores.count { try await drainOne(into: &summary) }
        // Only a drafted batch follows a drafted batch in flight; anything
        // else waits until nothing is in flight.
        var predecessor: TransactionID?
        if let previous = inFlight.last {
            if draft != nil, previous.draft != nil, !oldestFollowsRefused, let id = await previous.begun.first(where: { _ in true }) {
                predecessor = id
            } else {
                try await drain(into: &summary)
            }
        }
        // The connection no batch in flight uses (there is one: fewer batches
        // are in flight than there are connections).
        guard let store = stores.first(where: { store in !inFlight.contains { $0.store.connection === store.connection } }) else {
            throw LedgerError(.internal, "append: every connection has a batch in flight")
        }
        let (begun, teller) = AsyncStream.makeStream(of: TransactionID.self, bufferingPolicy: .bufferingNewest(1))
        // The transaction tells its id only when a next batch may follow it.
        let announce: (@Sendable (TransactionID) -> Void)? = openSecond != nil || stores.count > 1 ? { @Sendable (id: TransactionID) in
            teller.yield(id)
            teller.finish()
        } : nil
        let task = Task { () async throws -> Timed in
            defer { teller.finish() }
            let sent = ContinuousClock.now
            let answer: FollowingAppend = if let draft {
                try await store.append(draft, following: predecessor, begun: announce)
            } else {
                .done(try await store.append(requests: [events]))
            }
            return Timed(answer: answer, seconds: (ContinuousClock.now - sent).seconds)
        }
        inFlight.append(Flight(
            task: task, store: store, events: events, lines: lines, lastLine: lastLine, draft: draft,
            followed: predecessor != nil, begun: begun))
    }

    /// Waits for every batch in flight, in order, adding each outcome to `summary`.
    mutating func drain(into summary: inout AppendSummary) async throws(LedgerError) {
        while !inFlight.isEmpty { try await drainOne(into: &summary) }
    }

    /// Closes the connection this appender opened (not the caller's).
    func close() async {
        for store in stores.dropFirst() { await store.connection.close() }
    }

    /// Waits for the oldest batch in flight and adds its outcome to
    /// `summary`. An error names the input line of the event that caused it;
    /// the batches after it are waited for first (they cannot commit unless
    /// it did).
    private mutating func drainOne(into summary: inout AppendSummary) async throws(LedgerError) {
        guard !inFlight.isEmpty else { return }
        let flight = inFlight.removeFirst()
        do throws(LedgerError) {
            let (outcome, refused, seconds) = try await Self.outcome(of: flight)
            summary.add(outcome, seconds: seconds)
            summary.committedLines = flight.lastLine
            oldestFollowsRefused = refused && inFlight.first?.followed == true
        } catch {
            var located = Self.located(error, flight)
            let after = inFlight
            inFlight = []
            oldestFollowsRefused = false
            for later in after {
                if case .success(let timed) = await later.task.result, case .done(let results) = timed.answer,
                   case .some(.success(let outcome)) = results.first, outcome.appended > 0 {
                    located.message += "; \(later.described) after it did commit (\(outcome.appended) appended)"
                }
            }
            throw located
        }
    }

    /// The batch's outcome: as its transaction answered, or, when it was
    /// refused (its predecessor, settled by now, had not committed when it
    /// got the lock, or its draft was stale), appended again and checked
    /// under the lock; `refused` says which. `seconds`: from the batch's
    /// first transaction being sent to its outcome (a refused batch's second
    /// transaction included).
    private static func outcome(of flight: Flight) async throws(LedgerError) -> (outcome: AppendOutcome, refused: Bool, seconds: Double) {
        let timed: Timed
        do {
            timed = try await flight.task.value
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError(.internal, "append failed: \(error)")
        }
        switch timed.answer {
        case .done(let results):
            guard let first = results.first else { throw LedgerError(.internal, "an append of one request returned no answer") }
            return (try first.get(), false, timed.seconds)
        case .refused:
            let again = ContinuousClock.now
            let outcome = try await flight.store.append(flight.events)
            return (outcome, true, timed.seconds + (ContinuousClock.now - again).seconds)
        }
    }

    /// `error` with the input line of the event that caused it, and what
    /// became of the batch when the connection was lost.
    private static func located(_ error: LedgerError, _ flight: Flight) -> LedgerError {
        var located = error
        if let index = error.details["index"].flatMap(Int.init), index < flight.lines.count {
            located.line = flight.lines[index]
        }
        if error.code == .databaseUnavailable, !flight.lines.isEmpty {
            // Say what became of the batch: resolved, or honestly unknown.
            let batch = flight.described
            if error.details["commit"] == "unknown" {
                located.message += "; whether \(batch) committed is UNKNOWN: re-run the same input (lines with an eventId are not appended twice)"
            } else {
                located.details["commit"] = "no"
                located.message += "; \(batch) was NOT committed"
            }
        }
        return located
    }

    /// Opens the second connection once; without it, one batch stays in flight.
    private mutating func openSecondIfNeeded() async {
        guard let openSecond, !triedSecond else { return }
        triedSecond = true
        do throws(LedgerError) {
            stores.append(try await openSecond())
        } catch {
            StandardError.write("mcledger: a second connection to the database could not be opened (\(error.message)); appending on one\n")
        }
    }
}
