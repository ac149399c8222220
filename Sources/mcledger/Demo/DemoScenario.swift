import Foundation

/// A realistic, deterministic deployment history for `mcledger demo`.
///
/// The scenario registers one control instance (`mc-control`) serving three
/// execution instances (`mc-exec-01..03`) through the accounts `exec01..03`,
/// creates and starts every technical workflow the topology requires (the
/// deployment is ready), then simulates transactional traffic: events pushed to
/// the three instances, their statuses arriving interleaved the way status feeds
/// do, with retries, ignored and failed deliveries, events without a published
/// template, expiries, late bounces and failed emails recycled as SMS. Readiness
/// changes along the way, for time travel: `rtEventsProcessing` on `mc-exec-02`
/// fails and is restarted; a standby control instance (`mc-control-dr`) is
/// registered with an account pointing at `mc-exec-02` whose archiving workflow
/// never starts, until the account is disabled; and at the end `mcSynch_exec03`
/// is left paused, so the deployment is not ready with exactly one unmet requirement.
///
/// Every line is one NDJSON envelope (SPEC section 2) and is legal, in the order
/// produced, under the workflow and status rules (SPEC section 1). Everything but
/// the `metadata.at` times depends only on `seed` and `transactionalEvents`: the
/// same pair always gives the same lines with the same `eventId`s, so appending a
/// scenario twice appends nothing the second time. The times are `start` plus
/// the simulated clock, strictly increasing.
///
/// Lines are generated lazily: only the events still in flight are held, so a
/// caller that appends chunk by chunk (``chunks(size:)``) runs in constant memory.
struct DemoScenario: Sendable, Sequence {
    typealias Element = String

    /// Lines per chunk unless the caller asks otherwise.
    static let defaultChunkSize = 2_000
    /// The largest chunk ``chunks(size:)`` hands out.
    static let maxChunkSize = 100_000
    /// The most transactional events one scenario simulates.
    static let maxTransactionalEvents = 50_000_000

    /// Fixes every random choice and every `eventId`.
    let seed: UInt64
    /// How many transactional events are pushed (recycled ones included); a
    /// handful fewer appear when their recycling falls after the simulated end.
    let transactionalEvents: Int
    /// The simulated time of the first line.
    let start: Date

    /// A scenario of about `transactionalEvents` events whose simulated history
    /// begins at `start`.
    init(seed: UInt64 = 42, transactionalEvents: Int = 200_000, start: Date) {
        precondition(
            (0...Self.maxTransactionalEvents).contains(transactionalEvents),
            "transactionalEvents must be in 0...\(Self.maxTransactionalEvents)")
        self.seed = seed
        self.transactionalEvents = transactionalEvents
        self.start = start
    }

    /// The lines one by one, in ledger order.
    func makeIterator() -> Lines {
        Lines(self)
    }

    /// The lines in ledger order, `size` at a time (the last chunk may be
    /// shorter); usable from async code: `for chunk in scenario.chunks() { try await ... }`.
    func chunks(size: Int = defaultChunkSize) -> Chunks {
        precondition((1...Self.maxChunkSize).contains(size), "chunk size must be in 1...\(Self.maxChunkSize)")
        return Chunks(scenario: self, size: size)
    }

    /// About how long the simulated history lasts, from `start` to the last line
    /// (the arrivals are random, so the real end differs by a few seconds); a
    /// caller that wants the history to end now starts it this long ago.
    var expectedDuration: TimeInterval {
        let timeline = Timeline(transactionalEvents: transactionalEvents)
        let end = Swift.max(Timeline.trafficStart + timeline.trafficSpan, timeline.pause)
        return Double(end) / 1_000
    }

    /// A short human account of what the scenario holds and where it ends.
    var summary: [String] {
        let timeline = Timeline(transactionalEvents: transactionalEvents)
        let clock = SimulatedClock(start: start)
        let executions = Topology.executions
        let failing = executions[Topology.failingInstance]
        let pausedAccount = Topology.accounts[Topology.pausedAccount]
        let pausedInstance = executions[Topology.pausedAccount]
        let accounts = zip(Topology.accounts, executions).map { "\($0) -> \($1)" }.joined(separator: ", ")
        let trafficEnd = Timeline.trafficStart + timeline.trafficSpan
        return [
            "Deployment: control instance \(Topology.control) with accounts \(accounts); every processing workflow"
                + " (spelled \(WorkflowName.updateEventsStatus) on \(executions[Topology.aliasInstance])) and every"
                + " mcSynch_<account> (\"Message Center <account>\") created and started: ready at"
                + " \(clock.format(Timeline.ready)).",
            "Incident: rtEventsProcessing on \(failing) failed at \(clock.format(timeline.failure)) and was restarted at"
                + " \(clock.format(timeline.restart)); its real-time events waited in pending meanwhile.",
            "Standby: control instance \(Topology.standbyControl) with account \(Topology.standbyAccount) ->"
                + " \(executions[Topology.standbyTarget]) registered at \(clock.format(timeline.standby)), its archiving"
                + " workflow created but never started; the account was disabled at \(clock.format(timeline.disable)).",
            "Left paused: mcSynch_\(pausedAccount) on \(Topology.control) since \(clock.format(timeline.pause)), so"
                + " \(pausedInstance) is not ready and neither is the deployment.",
            "Transactional events: about \(transactionalEvents) over \(executions.joined(separator: ", ")) from"
                + " \(clock.format(Timeline.trafficStart)) to about \(clock.format(trafficEnd)) (about 70% real time,"
                + " the rest batch; email, sms, push); a few percent retried, ignored, failed, not taken into account,"
                + " expired or bounced late; some failed emails recycled as SMS; the latest still pending.",
            "Seed \(seed): the same seed and size give the same lines and event ids, so running it again appends nothing.",
        ]
    }
}

// MARK: - Chunks

extension DemoScenario {
    /// The scenario's lines in chunks of a fixed size.
    struct Chunks: Sequence, Sendable {
        let scenario: DemoScenario
        let size: Int

        func makeIterator() -> Iterator {
            Iterator(lines: scenario.makeIterator(), size: size)
        }

        /// Hands out the next chunk, or nil after the last line.
        struct Iterator: IteratorProtocol, Sendable {
            var lines: Lines
            let size: Int

            mutating func next() -> [String]? {
                var chunk: [String] = []
                chunk.reserveCapacity(size)
                while chunk.count < size, let line = lines.next() {
                    chunk.append(line)
                }
                return chunk.isEmpty ? nil : chunk
            }
        }
    }
}
