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

    /// Calls `body` with the lines in ledger order, `size` at a time; stops at
    /// the first error `body` throws.
    func forEachChunk<Failure: Error>(
        size: Int = defaultChunkSize, _ body: ([String]) throws(Failure) -> Void
    ) throws(Failure) {
        for chunk in chunks(size: size) {
            try body(chunk)
        }
    }

    /// Calls `body` with the lines in ledger order, `size` at a time, awaiting
    /// each call (e.g. an append) before generating the next chunk; stops at the
    /// first error `body` throws.
    func forEachChunk<Failure: Error>(
        size: Int = defaultChunkSize, _ body: ([String]) async throws(Failure) -> Void
    ) async throws(Failure) {
        for chunk in chunks(size: size) {
            try await body(chunk)
        }
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

// MARK: - Topology and timeline

extension DemoScenario {
    /// The deployment the scenario describes.
    fileprivate enum Topology {
        static let control = "mc-control"
        static let standbyControl = "mc-control-dr"
        static let executions = ["mc-exec-01", "mc-exec-02", "mc-exec-03"]
        /// The `NN` of `evt-NN-0000123`, per execution instance.
        static let eventPrefixes = ["evt-01-", "evt-02-", "evt-03-"]
        /// The account on `control` pointing at each execution instance.
        static let accounts = ["exec01", "exec02", "exec03"]
        /// Share of the load balancer's traffic per execution instance.
        static let trafficShares = [0.36, 0.33, 0.31]
        static let cumulativeTrafficShares = DemoRandom.cumulative(trafficShares)
        static let standbyAccount = "exec02_dr"
        /// The execution instance `standbyAccount` points at.
        static let standbyTarget = 1
        /// The instance whose status workflow is spelled `updateEventsStatus`.
        static let aliasInstance = 2
        /// The instance whose `rtEventsProcessing` fails and is restarted.
        static let failingInstance = 1
        /// The account whose archiving workflow is left paused.
        static let pausedAccount = 2
        static let operatorActor = "ops@example.com"
        static let failureError =
            "PGS-220000 PostgreSQL error: ERROR:  could not extend file \"base/16384/24617\": No space left on device"
            + " (workflow 'rtEventsProcessing' paused after an error)"
    }

    fileprivate enum WorkflowName {
        static let batch = "batchEventsProcessing"
        static let realtime = "rtEventsProcessing"
        static let updateEventStatus = "updateEventStatus"
        static let updateEventsStatus = "updateEventsStatus"
        static func archiving(_ account: String) -> String { "mcSynch_" + account }
    }

    /// When things happen, in milliseconds after `start`.
    fileprivate struct Timeline: Sendable {
        static let second: Int64 = 1_000
        static let minute: Int64 = 60 * second
        /// Every required workflow is started: the deployment is ready.
        static let ready: Int64 = 20 * minute
        /// Traffic begins once every workflow is started.
        static let trafficStart: Int64 = 30 * minute
        /// 25 events a second in all: 30,000 an hour per instance, within the
        /// 50,000 an hour one execution server is sized for.
        static let meanArrivalGap = 40.0

        /// The expected duration of the traffic (arrivals are random).
        let trafficSpan: Int64
        let failure: Int64
        let restart: Int64
        /// The standby control instance and its account are registered.
        let standby: Int64
        let disable: Int64
        let pause: Int64

        init(transactionalEvents: Int) {
            let span = Int64(Double(transactionalEvents) * Self.meanArrivalGap)
            // A fraction of the way through the traffic, and at least a second after `previous`.
            func at(_ fraction: Double, after previous: Int64) -> Int64 {
                Swift.max(previous + Self.second, Self.trafficStart + Int64(Double(span) * fraction))
            }
            let failure = at(0.35, after: Self.trafficStart)
            let restart = at(0.42, after: failure)
            let standby = at(0.50, after: restart)
            let disable = at(0.60, after: standby + Self.minute)
            trafficSpan = span
            self.failure = failure
            self.restart = restart
            self.standby = standby
            self.disable = disable
            pause = at(0.85, after: disable)
        }
    }

    /// A workflow or topology action, with its data already as JSON text.
    fileprivate struct Operation: Sendable {
        let time: Int64
        let type: String
        let data: String
        let actor: String

        /// Every operation of the scenario, in time order.
        static func all(_ timeline: Timeline) -> [Operation] {
            typealias T = Timeline
            let q = JSONLiteral.quoted
            var operations: [Operation] = []
            func add(_ time: Int64, _ type: String, _ data: String, actor: String = Topology.operatorActor) {
                operations.append(Operation(time: time, type: type, data: data, actor: actor))
            }
            func workflow(_ instance: String, _ name: String) -> String {
                "{\"instance\":\(q(instance)),\"workflow\":\(q(name))}"
            }
            func created(_ instance: String, _ name: String, kind: String, account: String? = nil, label: String) -> String {
                var data = "{\"instance\":\(q(instance)),\"workflow\":\(q(name)),\"kind\":\(q(kind))"
                if let account { data += ",\"account\":\(q(account))" }
                return data + ",\"label\":\(q(label))}"
            }

            // Topology: instances, then the accounts that point at them.
            add(0, "InstanceRegistered", "{\"instance\":\(q(Topology.control)),\"role\":\"control\"}")
            for (index, instance) in Topology.executions.enumerated() {
                add(Int64(index + 1) * 5 * T.second, "InstanceRegistered", "{\"instance\":\(q(instance)),\"role\":\"execution\"}")
            }
            for (index, account) in Topology.accounts.enumerated() {
                add(
                    T.minute + Int64(index) * 10 * T.second, "ExecutionAccountRegistered",
                    "{\"control\":\(q(Topology.control)),\"account\":\(q(account)),\"instance\":\(q(Topology.executions[index]))}")
            }

            // The processing workflows, instance by instance: created, then started.
            for (index, instance) in Topology.executions.enumerated() {
                let base = 3 * T.minute + Int64(index) * 4 * T.minute
                let update = index == Topology.aliasInstance ? WorkflowName.updateEventsStatus : WorkflowName.updateEventStatus
                let workflows = [
                    (WorkflowName.batch, "batchEventsProcessing", "Batch events processing"),
                    (WorkflowName.realtime, "rtEventsProcessing", "Real-time events processing"),
                    (update, "updateEventStatus", "Update event status"),
                ]
                for (offset, (name, kind, label)) in workflows.enumerated() {
                    add(base + Int64(offset) * 20 * T.second, "WorkflowCreated", created(instance, name, kind: kind, label: label))
                }
                for (offset, (name, _, _)) in workflows.enumerated() {
                    add(base + 2 * T.minute + Int64(offset) * 10 * T.second, "WorkflowStarted", workflow(instance, name))
                }
            }

            // The archiving workflows on the control instances.
            for (index, account) in Topology.accounts.enumerated() {
                add(
                    16 * T.minute + Int64(index) * 30 * T.second, "WorkflowCreated",
                    created(
                        Topology.control, WorkflowName.archiving(account), kind: "archiving", account: account,
                        label: "Message Center \(account)"))
            }
            for (index, account) in Topology.accounts.enumerated() {
                add(
                    19 * T.minute + Int64(index) * 30 * T.second, "WorkflowStarted",
                    workflow(Topology.control, WorkflowName.archiving(account)))
            }
            assert(operations.last.map { $0.time <= T.ready } ?? false, "the setup ends when the deployment is ready")

            // Incidents during the traffic.
            let failing = Topology.executions[Topology.failingInstance]
            add(
                timeline.failure, "WorkflowFailed",
                "{\"instance\":\(q(failing)),\"workflow\":\(q(WorkflowName.realtime)),\"error\":\(q(Topology.failureError))}",
                actor: failing)
            add(timeline.restart, "WorkflowStarted", workflow(failing, WorkflowName.realtime))
            // A standby control instance is set up, but its archiving workflow never
            // starts: the instance its account points at is not ready until the account is disabled.
            add(timeline.standby, "InstanceRegistered", "{\"instance\":\(q(Topology.standbyControl)),\"role\":\"control\"}")
            add(
                timeline.standby + 30 * T.second, "ExecutionAccountRegistered",
                "{\"control\":\(q(Topology.standbyControl)),\"account\":\(q(Topology.standbyAccount)),"
                    + "\"instance\":\(q(Topology.executions[Topology.standbyTarget]))}")
            add(
                timeline.standby + T.minute, "WorkflowCreated",
                created(
                    Topology.standbyControl, WorkflowName.archiving(Topology.standbyAccount), kind: "archiving",
                    account: Topology.standbyAccount, label: "Message Center \(Topology.standbyAccount)"))
            add(
                timeline.disable, "ExecutionAccountDisabled",
                "{\"control\":\(q(Topology.standbyControl)),\"account\":\(q(Topology.standbyAccount))}")
            add(
                timeline.pause, "WorkflowPaused",
                workflow(Topology.control, WorkflowName.archiving(Topology.accounts[Topology.pausedAccount])))

            assert(zip(operations, operations.dropFirst()).allSatisfy { $0.time < $1.time }, "operations out of order")
            return operations
        }
    }
}

// MARK: - Transactional traffic

extension DemoScenario {
    /// A kind of transactional event and how the application pushes it.
    fileprivate struct EventProfile: Sendable {
        let name: String
        /// Relative frequency.
        let weight: Double
        /// Share pushed to the real-time queue (the rest goes to batch).
        let realtimeShare: Double
        /// False when no published message template matches the type: such
        /// events are not taken into account.
        let hasTemplate: Bool
        /// Whether a failed email of this type is resent as an SMS.
        let recyclable: Bool

        static let all = [
            EventProfile(name: "ORDER_CONFIRMATION", weight: 30, realtimeShare: 0.90, hasTemplate: true, recyclable: true),
            EventProfile(name: "SHIPPING_NOTIFICATION", weight: 22, realtimeShare: 0.40, hasTemplate: true, recyclable: true),
            EventProfile(name: "PASSWORD_RESET", weight: 18, realtimeShare: 1.00, hasTemplate: true, recyclable: true),
            EventProfile(name: "ACCOUNT_CREATION", weight: 12, realtimeShare: 0.95, hasTemplate: true, recyclable: false),
            EventProfile(name: "CART_REMINDER", weight: 8, realtimeShare: 0.00, hasTemplate: true, recyclable: false),
            EventProfile(name: "BACK_IN_STOCK", weight: 1.6, realtimeShare: 0.30, hasTemplate: false, recyclable: false),
        ]
        static let cumulativeWeights = DemoRandom.cumulative(all.map(\.weight))
        static let count = all.count
    }

    fileprivate enum Channel: Int, CaseIterable {
        case email, sms, push
        static let names = ["email", "sms", "push"]
        static let count = 3
        static let cumulativeWeights = DemoRandom.cumulative([0.80, 0.12, 0.08])
    }

    /// The wire statuses (SPEC section 1).
    fileprivate enum Status: Int, CaseIterable {
        case pending, pendingDelivery, sent, ignored, deliveryFailed, notTakenIntoAccount, expired
        static let names = [
            "pending", "pendingDelivery", "sent", "ignored", "deliveryFailed", "notTakenIntoAccount", "expired",
        ]
        static let count = 7
    }

    /// The `reason` of a status change, as the delivery logs or the processing
    /// workflows word it.
    fileprivate enum Reason: Int, CaseIterable {
        case linkRetry1, linkRetry2, linkRetry3, expired, noTemplate, softBounce
        case quarantined, denylisted, smsOptOut, pushNoDevice
        case unknownUser, invalidDomain, invalidPhone, invalidToken
        case lateMailboxFull, lateUnknownUser

        var text: String {
            switch self {
            case .linkRetry1: return "Temporary error while linking the event to a message template; retry 1 of 3"
            case .linkRetry2: return "Temporary error while linking the event to a message template; retry 2 of 3"
            case .linkRetry3: return "Temporary error while linking the event to a message template; retry 3 of 3"
            case .expired: return "Maximum number of tries reached (3); the event expired"
            case .noTemplate: return "No published transactional message template matches the event type"
            case .softBounce: return "Soft bounce: mailbox temporarily unavailable; delivery will be retried"
            case .quarantined: return "Address in quarantine"
            case .denylisted: return "Address on the denylist"
            case .smsOptOut: return "Recipient replied \"STOP\" (opted out)"
            case .pushNoDevice: return "No registered device for the recipient"
            case .unknownUser: return "Hard bounce: 550 5.1.1 user unknown"
            case .invalidDomain: return "Hard bounce: invalid domain"
            case .invalidPhone: return "Invalid phone number"
            case .invalidToken: return "Invalid or expired device token"
            case .lateMailboxFull: return "Late bounce: 552 5.2.2 mailbox full"
            case .lateUnknownUser: return "Late bounce: user unknown (asynchronous)"
            }
        }

        static let linkRetries: [Reason] = [.linkRetry1, .linkRetry2, .linkRetry3]
        static let ignored: [[Reason]] = [[.quarantined, .denylisted], [.smsOptOut], [.pushNoDevice]]
        static let failed: [[Reason]] = [[.unknownUser, .invalidDomain], [.invalidPhone], [.invalidToken]]
        static let lateBounces: [Reason] = [.lateMailboxFull, .lateUnknownUser]
    }

    /// How often things go wrong, and how long they take.
    fileprivate enum Rates {
        /// Events whose linking to a template fails at least once.
        static let linkError = 0.025
        /// Of those, how many errors: 1, 2, or 3 (then expired).
        static let linkErrorCounts = DemoRandom.cumulative([0.55, 0.25, 0.20])
        static let maxRetries: UInt8 = 3
        /// Deliveries bounced softly and retried once.
        static let softBounce = 0.012
        static let ignored = 0.015
        static let deliveryFailed = 0.020
        /// Sent emails that bounce later.
        static let lateBounce = 0.011
        /// Failed emails of a recyclable type resent as an SMS.
        static let recycle = 0.35
        /// Batch processing runs every minute.
        static let batchPeriod: Int64 = Timeline.minute
    }

    /// One transactional event in flight: everything needed to write its next line.
    fileprivate struct Flight: Sendable {
        var instance: Int
        /// The `0000123` of `evt-NN-0000123`; 0 until the first line is written.
        var number: UInt32 = 0
        var realtime: Bool
        var profile: Int
        var channel: Channel
        /// How many times linking to a template will fail (3: the event expires).
        var linkErrors: UInt8
        var errors: UInt8 = 0
        var deliveryRetried = false
        /// The number of the failed event this one recycles, 0 for none.
        var recycledFrom: UInt32 = 0
    }

    /// A status change due at `time`; `order` keeps equal times first-come first-served.
    fileprivate struct Step: Sendable {
        var time: Int64
        var order: UInt64
        var flight: Flight
        var to: Status
        var reason: Reason?

        func precedes(_ other: Step) -> Bool {
            time != other.time ? time < other.time : order < other.order
        }
    }

    /// A binary min-heap of steps: the status changes still to come.
    fileprivate struct StepQueue: Sendable {
        private var items: [Step] = []

        var first: Step? { items.first }

        mutating func push(_ step: Step) {
            // Sift the hole up from the end, then drop the step in.
            items.append(step)
            var hole = items.count - 1
            while hole > 0 {
                let parent = (hole - 1) / 2
                guard step.precedes(items[parent]) else { break }
                items[hole] = items[parent]
                hole = parent
            }
            items[hole] = step
        }

        mutating func pop() -> Step? {
            guard let top = items.first else { return nil }
            let last = items.removeLast()
            let count = items.count
            guard count > 0 else { return top }
            // Sift the hole down from the root, then drop the former last step in.
            var hole = 0
            while true {
                var child = 2 * hole + 1
                guard child < count else { break }
                if child + 1 < count, items[child + 1].precedes(items[child]) { child += 1 }
                guard items[child].precedes(last) else { break }
                items[hole] = items[child]
                hole = child
            }
            items[hole] = last
            return top
        }
    }
}

// MARK: - The generator

extension DemoScenario {
    /// Generates the scenario's lines in ledger order. Holds only the operations
    /// and the events still in flight.
    struct Lines: IteratorProtocol, Sendable {
        private var random: DemoRandom
        private let idKey: UInt64
        private var lineCount: UInt64 = 0
        private var clock: SimulatedClock
        private var lastAt: Int64 = -1

        private let timeline: Timeline
        private let operations: [Operation]
        private var nextOperation = 0

        private let total: Int
        /// Events pushed or promised (a recycling scheduled).
        private var reserved = 0
        private var nextArrival = Timeline.trafficStart
        private var arrivalClock = Double(Timeline.trafficStart)
        private var lastArrival = Timeline.trafficStart
        private var lastNumber = [UInt32](repeating: 0, count: Topology.executions.count)
        private var steps = StepQueue()
        private var stepOrder: UInt64 = 0
        private var finished = false
        private let text = Fragments()

        fileprivate init(_ scenario: DemoScenario) {
            random = DemoRandom(seed: DemoRandom.mix(scenario.seed ^ 0x5DEE_CE66_D1CE_4E5B))
            idKey = DemoRandom.mix(scenario.seed) ^ DemoRandom.mix(UInt64(scenario.transactionalEvents) &+ 0x2545_F491_4F6C_DD1D)
            clock = SimulatedClock(start: scenario.start)
            timeline = Timeline(transactionalEvents: scenario.transactionalEvents)
            operations = Operation.all(timeline)
            total = scenario.transactionalEvents
        }

        /// The next line, or nil once the simulated history ends: after the last
        /// arrival and the last operation, with the changes due later left undone
        /// (so the latest events stay pending or pending delivery).
        mutating func next() -> String? {
            guard !finished else { return nil }
            let operationTime = nextOperation < operations.count ? operations[nextOperation].time : Int64.max
            let arrivalTime = reserved < total ? nextArrival : Int64.max
            let stepTime = steps.first?.time ?? Int64.max
            if operationTime == .max, arrivalTime == .max {
                let end = Swift.max(lastArrival, operations.last?.time ?? 0)
                guard stepTime <= end else {
                    finished = true
                    return nil
                }
            }
            if operationTime <= stepTime, operationTime <= arrivalTime {
                let operation = operations[nextOperation]
                nextOperation += 1
                return operationLine(operation)
            }
            if stepTime <= arrivalTime, var step = steps.pop() {
                if step.flight.number == 0 {
                    step.flight.number = allocateNumber(step.flight.instance)
                }
                return emit(step)
            }
            return arrive()
        }

        // MARK: Arrivals

        /// A new event pushed by the application: its first `pending`.
        private mutating func arrive() -> String {
            let time = nextArrival
            lastArrival = time
            reserved += 1
            // Accumulate in Double: truncating each gap would shorten the mean.
            arrivalClock += random.exponential(mean: Timeline.meanArrivalGap)
            nextArrival = Swift.max(time, Int64(arrivalClock))

            let profile = random.pick(cumulative: EventProfile.cumulativeWeights)
            var linkErrors: UInt8 = 0
            if random.chance(Rates.linkError) {
                linkErrors = UInt8(random.pick(cumulative: Rates.linkErrorCounts) + 1)
            }
            let instance = random.pick(cumulative: Topology.cumulativeTrafficShares)
            var flight = Flight(
                instance: instance,
                realtime: random.chance(EventProfile.all[profile].realtimeShare),
                profile: profile,
                channel: Channel(rawValue: random.pick(cumulative: Channel.cumulativeWeights)) ?? .email,
                linkErrors: linkErrors)
            flight.number = allocateNumber(instance)
            return emit(Step(time: time, order: 0, flight: flight, to: .pending, reason: nil))
        }

        private mutating func allocateNumber(_ instance: Int) -> UInt32 {
            lastNumber[instance] += 1
            return lastNumber[instance]
        }

        // MARK: Status changes

        /// Writes `step`'s line and schedules the event's next change, if any.
        private mutating func emit(_ step: Step) -> String {
            let flight = step.flight
            let at = nextAt(step.time)
            var line = text.statusLineStart
            line.reserveCapacity(Fragments.lineCapacity)
            line += DemoRandom.eventId(key: idKey, counter: lineCount)
            lineCount += 1
            line += text.eventDataPrefixes[flight.instance]
            appendNumber(flight.number, to: &line)
            line += text.statusMiddles[
                Fragments.middleIndex(
                    realtime: flight.realtime, status: step.to, profile: flight.profile, channel: flight.channel)]
            if let reason = step.reason {
                line += text.reasons[reason.rawValue]
            }
            if step.to == .pending, step.reason == nil, flight.recycledFrom != 0 {
                line += text.recycledPrefixes[flight.instance]
                appendNumber(flight.recycledFrom, to: &line)
                line += "\""
            }
            line += text.statusMetadataPrefixes[flight.instance]
            line += clock.text(at)
            line += "\"}}"
            planNext(after: step)
            return line
        }

        /// Decides what happens next to the event `step` just moved, per SPEC
        /// section 6, and schedules it.
        private mutating func planNext(after step: Step) {
            var flight = step.flight
            let time = step.time
            let profile = EventProfile.all[flight.profile]
            switch step.to {
            case .pending:
                if !profile.hasTemplate {
                    schedule(flight, .notTakenIntoAccount, .noTemplate, at: processingTime(flight, after: time))
                } else if flight.errors < flight.linkErrors {
                    let reason = Reason.linkRetries[Int(flight.errors)]
                    flight.errors += 1
                    let retryAt = time + random.int(in: 30 * Timeline.second...3 * Timeline.minute)
                    schedule(flight, .pending, reason, at: processingTime(flight, after: retryAt))
                } else if flight.errors == Rates.maxRetries {
                    let expiry = time + random.int(in: 30 * Timeline.second...3 * Timeline.minute)
                    schedule(flight, .expired, .expired, at: processingTime(flight, after: expiry))
                } else if step.reason == .softBounce {
                    let retryAt = time + random.int(in: 5 * Timeline.minute...15 * Timeline.minute)
                    schedule(flight, .pendingDelivery, nil, at: processingTime(flight, after: retryAt))
                } else {
                    schedule(flight, .pendingDelivery, nil, at: processingTime(flight, after: time))
                }

            case .pendingDelivery:
                let due = time + deliveryDelay(flight.channel)
                let draw = random.unit()
                let channel = flight.channel.rawValue
                if !flight.deliveryRetried, draw < Rates.softBounce {
                    flight.deliveryRetried = true
                    schedule(flight, .pending, .softBounce, at: due)
                } else if draw < Rates.softBounce + Rates.ignored {
                    schedule(flight, .ignored, pickReason(Reason.ignored[channel]), at: due)
                } else if draw < Rates.softBounce + Rates.ignored + Rates.deliveryFailed {
                    schedule(flight, .deliveryFailed, pickReason(Reason.failed[channel]), at: due)
                } else {
                    schedule(flight, .sent, nil, at: due)
                }

            case .sent:
                if flight.channel == .email, random.chance(Rates.lateBounce) {
                    let bounce = time + random.int(in: 2 * Timeline.minute...45 * Timeline.minute)
                    schedule(flight, .deliveryFailed, pickReason(Reason.lateBounces), at: bounce)
                }

            case .deliveryFailed:
                guard flight.channel == .email, profile.recyclable, flight.recycledFrom == 0,
                    reserved < total, random.chance(Rates.recycle)
                else { return }
                reserved += 1
                let recycled = Flight(
                    instance: flight.instance, realtime: true, profile: flight.profile, channel: .sms,
                    linkErrors: 0, recycledFrom: flight.number)
                schedule(recycled, .pending, nil, at: time + random.int(in: Timeline.minute...5 * Timeline.minute))

            case .ignored, .notTakenIntoAccount, .expired:
                return
            }
        }

        private mutating func schedule(_ flight: Flight, _ to: Status, _ reason: Reason?, at time: Int64) {
            stepOrder += 1
            steps.push(Step(time: time, order: stepOrder, flight: flight, to: to, reason: reason))
        }

        private mutating func pickReason(_ reasons: [Reason]) -> Reason {
            reasons.count == 1 ? reasons[0] : reasons[Int(random.int(in: 0...Int64(reasons.count - 1)))]
        }

        /// When the processing workflow of the event's queue takes up a pending
        /// event: within seconds in real time, at the next run in batch; and not
        /// while `rtEventsProcessing` is failed on the event's instance.
        private mutating func processingTime(_ flight: Flight, after time: Int64) -> Int64 {
            guard flight.realtime else {
                let nextRun = (time / Rates.batchPeriod + 1) * Rates.batchPeriod
                return nextRun + Int64(flight.instance) * 7 * Timeline.second + random.int(in: 0...20 * Timeline.second)
            }
            let due = time + random.int(in: 300...2_500)
            if flight.instance == Topology.failingInstance, due >= timeline.failure, due < timeline.restart {
                // The backlog drains within two minutes of the restart.
                return timeline.restart + random.int(in: 1...2 * Timeline.minute)
            }
            return due
        }

        /// How long the delivery takes to report on a message.
        private mutating func deliveryDelay(_ channel: Channel) -> Int64 {
            switch channel {
            case .email: return random.int(in: 2 * Timeline.second...20 * Timeline.second)
            case .sms: return random.int(in: Timeline.second...6 * Timeline.second)
            case .push: return random.int(in: 500...3 * Timeline.second)
            }
        }

        // MARK: Lines

        /// The line of a workflow or topology operation.
        private mutating func operationLine(_ operation: Operation) -> String {
            let at = nextAt(operation.time)
            var line = "{\"type\":\""
            line += operation.type
            line += "\",\"eventId\":\""
            line += DemoRandom.eventId(key: idKey, counter: lineCount)
            lineCount += 1
            line += "\",\"data\":"
            line += operation.data
            line += ",\"metadata\":{\"actor\":"
            line += JSONLiteral.quoted(operation.actor)
            line += ",\"at\":\""
            line += clock.text(at)
            line += "\"}}"
            return line
        }

        /// The `at` of the next line: `time`, nudged so that times strictly increase.
        private mutating func nextAt(_ time: Int64) -> Int64 {
            lastAt = Swift.max(time, lastAt + 1)
            return lastAt
        }

        /// `number` on at least seven digits.
        private func appendNumber(_ number: UInt32, to line: inout String) {
            let value = Int(number)
            if value < 10_000_000 {
                line += text.threeDigits[value / 10_000]
                line += text.fourDigits[value % 10_000]
            } else {
                line += String(value)
            }
        }
    }

    /// The fixed pieces of the lines, as text, built once per generator so
    /// that a line is a dozen appends.
    fileprivate final class Fragments: Sendable {
        /// Enough for the longest status line without reallocating.
        static let lineCapacity = 448

        let statusLineStart = "{\"type\":\"EventStatusChanged\",\"eventId\":\""
        /// `","data":{"instance":"mc-exec-01","eventId":"evt-01-`, per instance.
        let eventDataPrefixes = zip(Topology.executions, Topology.eventPrefixes).map {
            "\",\"data\":{\"instance\":\"\($0)\",\"eventId\":\"\($1)"
        }
        /// `","queue":"realtime","to":"pending","eventType":"ORDER_CONFIRMATION","channel":"email"`,
        /// per ``middleIndex(realtime:status:profile:channel:)``.
        let statusMiddles: [String]
        /// `,"reason":"..."`, per ``Reason``.
        let reasons = Reason.allCases.map { ",\"reason\":" + JSONLiteral.quoted($0.text) }
        /// `,"recycledFrom":"evt-01-`, per instance.
        let recycledPrefixes = Topology.eventPrefixes.map { ",\"recycledFrom\":\"\($0)" }
        /// `},"metadata":{"actor":"mc-exec-01","at":"`, per instance.
        let statusMetadataPrefixes = Topology.executions.map { "},\"metadata\":{\"actor\":\"\($0)\",\"at\":\"" }
        let threeDigits = (0..<1_000).map { DemoScenario.padded($0, width: 3) }
        let fourDigits = (0..<10_000).map { DemoScenario.padded($0, width: 4) }

        init() {
            assert(Status.count == Status.allCases.count && Channel.count == Channel.allCases.count)
            var middles: [String] = []
            for queue in ["realtime", "batch"] {
                for status in Status.names {
                    for profile in EventProfile.all {
                        for channel in Channel.names {
                            middles.append(
                                "\",\"queue\":\"\(queue)\",\"to\":\"\(status)\",\"eventType\":\"\(profile.name)\",\"channel\":\"\(channel)\"")
                        }
                    }
                }
            }
            statusMiddles = middles
        }

        static func middleIndex(realtime: Bool, status: Status, profile: Int, channel: Channel) -> Int {
            (((realtime ? 0 : 1) * Status.count + status.rawValue) * EventProfile.count + profile)
                * Channel.count + channel.rawValue
        }
    }
}

// MARK: - Text helpers

extension DemoScenario {
    /// RFC 3339 UTC times with milliseconds, `start` plus a simulated offset,
    /// e.g. `2026-01-01T10:02:03.045Z`.
    fileprivate struct SimulatedClock: Sendable {
        private let startMilliseconds: Int64
        /// `.000Z` to `.999Z`.
        private let fractions = (0..<1_000).map { "." + DemoScenario.padded($0, width: 3) + "Z" }
        private var cachedSecond = Int64.min
        private var cachedSecondText = ""

        init(start: Date) {
            startMilliseconds = Int64((start.timeIntervalSince1970 * 1_000).rounded(.down))
        }

        /// The time `offset` milliseconds after `start`; cheap while the second does not change.
        mutating func text(_ offset: Int64) -> String {
            let milliseconds = startMilliseconds + offset
            let second = Self.floorDivide(milliseconds, 1_000)
            if second != cachedSecond {
                cachedSecond = second
                cachedSecondText = Self.secondText(second)
            }
            return cachedSecondText + fractions[Int(milliseconds - second * 1_000)]
        }

        /// The same, without the cache.
        func format(_ offset: Int64) -> String {
            let milliseconds = startMilliseconds + offset
            let second = Self.floorDivide(milliseconds, 1_000)
            return Self.secondText(second) + fractions[Int(milliseconds - second * 1_000)]
        }

        private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
            let quotient = value / divisor
            return value % divisor < 0 ? quotient - 1 : quotient
        }

        /// `YYYY-MM-DDTHH:MM:SS` of a second counted from 1970-01-01T00:00:00Z
        /// (proleptic Gregorian; H. Hinnant's civil_from_days).
        private static func secondText(_ seconds: Int64) -> String {
            let days = floorDivide(seconds, 86_400)
            let secondOfDay = Int(seconds - days * 86_400)
            let z = days + 719_468
            let era = (z >= 0 ? z : z - 146_096) / 146_097
            let dayOfEra = z - era * 146_097
            let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
            let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
            let monthIndex = (5 * dayOfYear + 2) / 153
            let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
            let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
            let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
            let padded = DemoScenario.padded
            return padded(Int(year), 4) + "-" + padded(Int(month), 2) + "-" + padded(Int(day), 2) + "T"
                + padded(secondOfDay / 3_600, 2) + ":" + padded(secondOfDay / 60 % 60, 2) + ":"
                + padded(secondOfDay % 60, 2)
        }
    }

    /// `value` in decimal, zero-padded on the left to `width` digits.
    fileprivate static func padded(_ value: Int, width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: Swift.max(0, width - digits.count)) + digits
    }

    /// JSON string literals for the generator's own text.
    fileprivate enum JSONLiteral {
        /// `text` as a JSON string literal, quotes included, with `"`, `\` and the
        /// control characters escaped (other characters are written as they are).
        static func quoted(_ text: String) -> String {
            var result = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": result += "\\\""
                case "\\": result += "\\\\"
                case "\n": result += "\\n"
                case "\r": result += "\\r"
                case "\t": result += "\\t"
                case "\u{08}": result += "\\b"
                case "\u{0C}": result += "\\f"
                case "\u{00}"..."\u{1F}":
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: result.unicodeScalars.append(scalar)
                }
            }
            return result + "\""
        }
    }
}
