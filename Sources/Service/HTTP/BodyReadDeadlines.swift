import Hummingbird
import Synchronization

/// Enforces `ServerConfiguration.bodyReadTimeout` for every request body
/// being read, with one sweeping task for all of them.
///
/// A timer per request (a `Task.sleep` raced against the read) cost serve
/// about 5% of its CPU per append, and since a cancelled sleep stays queued
/// in Dispatch until its deadline, every request left a task behind for the
/// whole timeout: at 5,000 requests/s and 60 s, 300,000 of them (most of
/// serve's resident memory under load). Here a read registers its deadline;
/// a sweeper wakes every `sweepInterval` while any read is registered,
/// cancels the reads past their deadline and ends when none is left. A
/// deadline is therefore kept to within one interval.
final class BodyReadDeadlines: Sendable {
    private struct Entry {
        let deadline: ContinuousClock.Instant
        let read: Task<ByteBuffer, any Error>
        /// Set by the sweeper when it cancels the read at the deadline.
        var expired = false
    }

    private struct State {
        var nextTicket: UInt64 = 0
        var entries: [UInt64: Entry] = [:]
        var sweeping = false
    }

    private let state = Mutex(State())
    let timeout: Duration
    let sweepInterval: Duration

    init(timeout: Duration) {
        self.timeout = timeout
        // A quarter of the timeout, at most a second: a short test timeout is
        // still kept closely, a long one is checked once a second.
        sweepInterval = min(timeout / 4, .seconds(1))
    }

    /// The body of `request`, at most `ServiceLimits.maxBodyBytes` (413
    /// `bodyTooLarge` beyond), received completely within `timeout` (408
    /// `requestTimeout` beyond, however steadily it trickles in).
    func collectBody(of request: Request) async throws -> ByteBuffer {
        let read = Task {
            var request = request
            return try await request.collectBody(upTo: ServiceLimits.maxBodyBytes)
        }
        let ticket = register(read)
        defer { unregister(ticket) }
        let result: Result<ByteBuffer, any Error>
        do {
            result = .success(try await withTaskCancellationHandler {
                try await read.value
            } onCancel: {
                read.cancel()
            })
        } catch {
            result = .failure(error)
        }
        // A cancelled read may end as if the body were complete (a stream
        // that finishes when cancelled): past the deadline, what was read is
        // never used, whatever the read returned.
        if state.withLock({ $0.entries[ticket]?.expired == true }) {
            throw APIError(.requestTimeout, "requestTimeout",
                           "the request body was not received within \(timeout.components.seconds) s; send it faster or in smaller requests",
                           fields: [("limitSeconds", .number(String(timeout.components.seconds)))])
        }
        return try result.get()
    }

    /// Reads registered now, and whether a sweeper runs (for tests).
    var registered: Int { state.withLock { $0.entries.count } }
    var isSweeping: Bool { state.withLock { $0.sweeping } }

    private func register(_ read: Task<ByteBuffer, any Error>) -> UInt64 {
        let deadline = ContinuousClock.now + timeout
        let (ticket, startSweeper) = state.withLock { state in
            state.nextTicket += 1
            state.entries[state.nextTicket] = Entry(deadline: deadline, read: read)
            defer { state.sweeping = true }
            return (state.nextTicket, !state.sweeping)
        }
        if startSweeper { Task { await self.sweep() } }
        return ticket
    }

    private func unregister(_ ticket: UInt64) {
        _ = state.withLock { $0.entries.removeValue(forKey: ticket) }
    }

    private func sweep() async {
        while true {
            do {
                try await Task.sleep(for: sweepInterval)
            } catch {
                // Not cancelled by anyone (an unstructured task); a failed sleep
                // just ends this sweeper: the next registration starts another.
                state.withLock { $0.sweeping = false }
                return
            }
            let now = ContinuousClock.now
            let late: [Task<ByteBuffer, any Error>] = state.withLock { state in
                var late: [Task<ByteBuffer, any Error>] = []
                for (ticket, entry) in state.entries where entry.deadline <= now && !entry.expired {
                    state.entries[ticket]?.expired = true
                    late.append(entry.read)
                }
                return late
            }
            for read in late { read.cancel() }
            let done = state.withLock { state in
                if state.entries.isEmpty { state.sweeping = false }
                return !state.sweeping
            }
            if done { return }
        }
    }
}
