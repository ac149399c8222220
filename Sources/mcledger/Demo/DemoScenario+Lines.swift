import Foundation

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

        init(_ scenario: DemoScenario) {
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
}
