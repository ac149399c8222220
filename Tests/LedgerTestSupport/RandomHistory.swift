import Foundation
import Ledger
import Projections

/// A seeded generator of random, legal ledger histories, with an oracle that
/// folds the same events in memory (independently of the SQL projections).
public struct RandomHistory: Sendable {
    /// A small, fast, seedable generator (SplitMix64).
    public struct Generator: RandomNumberGenerator, Sendable {
        private var state: UInt64
        public init(seed: UInt64) { state = seed }
        public mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// The generated NDJSON lines, in order (position n is `lines[n-1]`).
    public private(set) var lines: [String] = []

    /// Generates `count` events from `seed`.
    public init(seed: UInt64, count: Int) {
        var random = Generator(seed: seed)
        let instances = ["exec-a", "exec-b", "mini-c"]
        let workflows = ["batchEventsProcessing", "rtEventsProcessing", "updateEventStatus", "updateEventsStatus"]
        var workflowState: [String: WorkflowState] = [:]
        var eventStatus: [String: (instance: String, queue: String, status: EventStatus)] = [:]
        var accounts: [String: Bool] = [:]
        var nextEvent = 0
        lines.append(Fixtures.instance("ctrl", role: "control"))
        lines.append(Fixtures.instance("exec-a"))
        lines.append(Fixtures.instance("exec-b"))
        lines.append(Fixtures.instance("mini-c", role: "minimal"))
        while lines.count < count {
            let roll = Int.random(in: 0..<100, using: &random)
            if roll < 15 {
                // A workflow action on a random workflow.
                let instance = instances.randomElement(using: &random)!
                let isArchiving = Int.random(in: 0..<3, using: &random) == 0
                let name = isArchiving ? (instance == "mini-c" ? "archive_c" : "mcSynch_acc_\(instance.suffix(1))") : workflows.randomElement(using: &random)!
                let owner = isArchiving && instance != "mini-c" ? "ctrl" : instance
                let key = "\(owner)/\(WorkflowKind.canonicalWorkflowName(name))"
                let state = workflowState[key] ?? .absent
                guard let action = state.legalActions.randomElement(using: &random) else { continue }
                workflowState[key] = action.resultingState
                var data = ["instance": owner, "workflow": name]
                if name == "archive_c" && action == .created { data["kind"] = "archiving" }
                if action == .failed { data["error"] = "boom" }
                lines.append(Fixtures.line(type: action.eventType, data: data))
            } else if roll < 18 {
                // Register, disable or enable an account.
                let target = ["a", "b"].randomElement(using: &random)!
                let account = "acc_\(target)"
                let control = ["control": "ctrl", "account": account]
                switch accounts[account] {
                case nil:
                    accounts[account] = true
                    lines.append(Fixtures.line(type: "ExecutionAccountRegistered", data: control.merging(["instance": "exec-\(target)"]) { $1 }))
                case true?:
                    accounts[account] = false
                    lines.append(Fixtures.line(type: "ExecutionAccountDisabled", data: control))
                case false?:
                    accounts[account] = true
                    lines.append(Fixtures.line(type: "ExecutionAccountEnabled", data: control))
                }
            } else {
                // A status change: a new event, or a legal next status of a live one.
                let live = eventStatus.filter { !$0.value.status.isFinal || $0.value.status == .sent }
                if live.isEmpty || Int.random(in: 0..<4, using: &random) == 0 {
                    nextEvent += 1
                    let id = "ev\(nextEvent)"
                    let instance = ["exec-a", "exec-b", "mini-c"].randomElement(using: &random)!
                    let queue = Bool.random(using: &random) ? "realtime" : "batch"
                    eventStatus[id] = (instance, queue, .pending)
                    var data = ["instance": instance, "eventId": id, "queue": queue, "to": "pending"]
                    if Bool.random(using: &random) { data["eventType"] = ["ORDER", "RESET"].randomElement(using: &random)! }
                    lines.append(Fixtures.line(type: "EventStatusChanged", data: data))
                } else {
                    let id = live.keys.sorted().randomElement(using: &random)!
                    let event = live[id]!
                    guard let next = EventLifecycle.status(event.status).legalNext.randomElement(using: &random) else { continue }
                    eventStatus[id] = (event.instance, event.queue, next)
                    lines.append(Fixtures.line(type: "EventStatusChanged", data: ["instance": event.instance, "eventId": id, "queue": event.queue, "to": next.rawValue]))
                }
            }
        }
    }

    /// Counts after the first `position` events, folded in memory.
    public func counts(at position: Int) throws -> StatusCounts {
        var counts = StatusCounts(position: position)
        var current: [String: (instance: String, queue: String, type: String, status: String)] = [:]
        for line in lines.prefix(position) {
            let value = try JSONValue.parse(line)
            guard value["type"]?.stringValue == "EventStatusChanged", let data = value["data"] else { continue }
            let id = data["eventId"]!.stringValue!, to = data["to"]!.stringValue!
            if let previous = current[id] {
                counts.add(instance: previous.instance, queue: previous.queue, eventType: previous.type, metric: previous.status, n: -1)
                if to == "pending" && (previous.status == "pending" || previous.status == "pendingDelivery") {
                    counts.add(instance: previous.instance, queue: previous.queue, eventType: previous.type, metric: "retries", n: 1)
                }
                if to == "deliveryFailed" && previous.status == "sent" {
                    counts.add(instance: previous.instance, queue: previous.queue, eventType: previous.type, metric: "lateBounces", n: 1)
                }
                current[id]!.status = to
            } else {
                current[id] = (data["instance"]!.stringValue!, data["queue"]!.stringValue!, data["eventType"]?.stringValue ?? "", to)
            }
            let now = current[id]!
            counts.add(instance: now.instance, queue: now.queue, eventType: now.type, metric: to, n: 1)
        }
        return counts
    }

    /// Readiness after the first `position` events, folded in memory.
    public func readiness(at position: Int) throws -> ReadinessAnswer {
        var first: [String: (category: String, data: JSONObject)] = [:]
        var last: [String: String] = [:]
        for line in lines.prefix(position) {
            let event = try Fixtures.event(line)
            guard ["instance", "account", "workflow"].contains(String(event.category)) else { continue }
            if first[event.stream] == nil {
                first[event.stream] = (String(event.category), try JSONValue.parse(event.data).objectValue!)
            }
            last[event.stream] = event.type
        }
        var topology = Topology()
        for (stream, head) in first.sorted(by: { $0.key < $1.key }) {
            topology.add(category: head.category, firstData: head.data, lastType: last[stream]!)
        }
        return ReadinessRules.evaluate(topology, position: position)
    }
}
