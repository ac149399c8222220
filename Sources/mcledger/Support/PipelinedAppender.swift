import Ledger

/// Appends batches with one batch in flight: while a batch commits on the
/// connection's own thread, the caller reads, parses and checks the next one
/// (against the stream heads the batch in flight will leave: a draft).
/// Each batch stays atomic; the first failure stops everything after it.
struct PipelinedAppender {
    let store: EventStore
    private var inFlight: (task: Task<AppendOutcome, any Error>, lines: [Int], lastLine: Int, draft: AppendDraft?)?

    init(store: EventStore) {
        self.store = store
    }

    /// Waits for the batch in flight (if any), then starts appending `events`.
    /// `lines` are the input line of each event; `lastLine` the last input
    /// line the batch covers (blank lines included).
    mutating func submit(_ events: [ProposedEvent], lines: [Int], lastLine: Int, into summary: inout AppendSummary) async throws(LedgerError) {
        // Checked while the batch before commits; if that one does not commit
        // as drafted, the database refuses this draft and it is checked again.
        let draft = events.isEmpty ? nil : store.draft([events], after: inFlight?.draft)
        try await drain(into: &summary)
        guard !events.isEmpty else {
            summary.committedLines = lastLine
            return
        }
        let store = self.store
        let task = Task {
            if let draft { return try await store.append(draft)[0].get() }
            return try await store.append(events)
        }
        inFlight = (task, lines, lastLine, draft)
    }

    /// Waits for the batch in flight and adds its outcome to `summary`.
    /// An error names the input line of the event that caused it.
    mutating func drain(into summary: inout AppendSummary) async throws(LedgerError) {
        guard let flight = inFlight else { return }
        inFlight = nil
        do {
            let outcome = try await flight.task.value
            summary.add(outcome)
            summary.committedLines = flight.lastLine
        } catch let error as LedgerError {
            var located = error
            if let index = error.details["index"].flatMap(Int.init), index < flight.lines.count {
                located.line = flight.lines[index]
            }
            if error.code == .databaseUnavailable, let first = flight.lines.first, let last = flight.lines.last {
                // Say what became of the batch: resolved, or honestly unknown.
                let batch = "the batch of lines \(first)-\(last)"
                if error.details["commit"] == "unknown" {
                    located.message += "; whether \(batch) committed is UNKNOWN: re-run the same input (lines with an eventId are not appended twice)"
                } else {
                    located.details["commit"] = "no"
                    located.message += "; \(batch) was NOT committed"
                }
            }
            throw located
        } catch {
            throw LedgerError(.internal, "append failed: \(error)")
        }
    }
}
