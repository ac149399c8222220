import Ledger
import Projections

/// One line of an instance's card: a workflow the instance needs (or has),
/// its state, and whether readiness counts it as missing.
struct WorkflowRow: Sendable, Equatable {
    /// The instance the workflow runs on (the control instance, for `mcSynch_<account>`).
    var instance: String
    var workflow: String
    /// Wire name of the state (`absent` when the workflow does not exist).
    var state: String
    /// Where it runs and why it is needed, when that is not obvious.
    var note: String?
    /// True when readiness names it among the unmet requirements.
    var missing: Bool

    /// The rows of one execution or minimal instance: the three processing
    /// workflows, the archiving workflows that serve it, then any other
    /// workflow it has.
    static func rows(for status: ReadinessAnswer.InstanceStatus, in topology: Topology) -> [WorkflowRow] {
        let missing = Set(status.missing.map { Topology.WorkflowKey(instance: $0.instance, name: $0.workflow) })
        var shown: Set<Topology.WorkflowKey> = []
        var rows: [WorkflowRow] = []
        func add(instance: String, name: String, note: String?) {
            let key = Topology.WorkflowKey(instance: instance, name: name)
            guard shown.insert(key).inserted else { return }
            let workflow = topology.workflows[key]
            rows.append(WorkflowRow(instance: instance, workflow: workflow?.name ?? name,
                                    state: (workflow?.state ?? .absent).rawValue, note: note, missing: missing.contains(key)))
        }
        for name in ReadinessRules.processingWorkflows {
            add(instance: status.instance, name: name, note: nil)
        }
        if status.role == InstanceRole.minimal.rawValue {
            let archiving = topology.workflows.values.filter { $0.instance == status.instance && $0.kind == .archiving }
                .map(\.name).sorted()
            if archiving.isEmpty {
                add(instance: status.instance, name: "archiving", note: "an archiving workflow of its own")
            }
            for name in archiving { add(instance: status.instance, name: name, note: "archiving") }
        } else {
            let accounts = topology.accounts.filter { $0.instance == status.instance }
                .sorted { ($0.control, $0.account) < ($1.control, $1.account) }
            for account in accounts {
                let note = "archiving on \(account.control), account \(account.account)" + (account.enabled ? "" : " (disabled: not required)")
                add(instance: account.control, name: WorkflowKind.archivingNamePrefix + account.account, note: note)
            }
        }
        let others = topology.workflows.values.filter { $0.instance == status.instance }.map(\.name).sorted()
        for name in others { add(instance: status.instance, name: name, note: "not required") }
        return rows
    }
}
