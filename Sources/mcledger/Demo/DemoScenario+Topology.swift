import Foundation

extension DemoScenario {
    /// The deployment the scenario describes.
    enum Topology {
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

    enum WorkflowName {
        static let batch = "batchEventsProcessing"
        static let realtime = "rtEventsProcessing"
        static let updateEventStatus = "updateEventStatus"
        static let updateEventsStatus = "updateEventsStatus"
        static func archiving(_ account: String) -> String { "mcSynch_" + account }
    }

    /// A workflow or topology action, with its data already as JSON text.
    struct Operation: Sendable {
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
