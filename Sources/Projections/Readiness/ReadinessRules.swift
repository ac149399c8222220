import Ledger

/// The readiness rules of SPEC section 1, as a pure function of a `Topology`.
public enum ReadinessRules {
    /// The processing workflows every execution and minimal instance needs, in display order.
    public static let processingWorkflows = ["batchEventsProcessing", "rtEventsProcessing", "updateEventStatus"]
    /// The state every required workflow must be in.
    static let needed = WorkflowState.started

    /// Evaluates readiness at `position`.
    ///
    /// - An execution instance is required when an enabled account points at
    ///   it; it is ready when its three processing workflows are started and,
    ///   for every enabled account A (on control C) pointing at it, C's
    ///   `mcSynch_A` is started.
    /// - A minimal instance is always required; it is ready when its three
    ///   processing workflows and an archiving workflow of its own are started.
    /// - Instances named only by an account are listed as execution instances.
    public static func evaluate(_ topology: Topology, position: Int) -> ReadinessAnswer {
        var names = Set(topology.instances.values.filter { $0.role != .control }.map(\.name))
        for account in topology.accounts { names.insert(account.instance) }
        var statuses: [ReadinessAnswer.InstanceStatus] = []
        for name in names.sorted() {
            let role = topology.instances[name]?.role ?? .execution
            guard role != .control else { continue }
            var missing = processingMissing(topology, instance: name)
            let required: Bool
            if role == .minimal {
                required = true
                missing += archivingMissingOnMinimal(topology, instance: name)
            } else {
                let pointing = topology.accounts.filter { $0.instance == name && $0.enabled }
                    .sorted { ($0.control, $0.account) < ($1.control, $1.account) }
                required = !pointing.isEmpty
                for account in pointing {
                    let workflow = "mcSynch_\(account.account)"
                    let state = topology.workflows[Topology.WorkflowKey(instance: account.control, name: workflow)]?.state ?? .absent
                    if state != needed {
                        missing.append(.init(instance: account.control, workflow: workflow, state: state.rawValue, need: needed.rawValue))
                    }
                }
            }
            statuses.append(.init(instance: name, role: role.rawValue, required: required, ready: missing.isEmpty, missing: missing))
        }
        let required = statuses.filter(\.required)
        return ReadinessAnswer(ready: !required.isEmpty && required.allSatisfy(\.ready), position: position, instances: statuses)
    }

    private static func processingMissing(_ topology: Topology, instance: String) -> [ReadinessAnswer.Missing] {
        processingWorkflows.compactMap { name in
            let workflow = topology.workflows[Topology.WorkflowKey(instance: instance, name: name)]
            let state = workflow?.state ?? .absent
            guard state != needed else { return nil }
            return .init(instance: instance, workflow: workflow?.name ?? name, state: state.rawValue, need: needed.rawValue)
        }
    }

    private static func archivingMissingOnMinimal(_ topology: Topology, instance: String) -> [ReadinessAnswer.Missing] {
        let archiving = topology.workflows.values.filter { $0.instance == instance && $0.kind == .archiving }
            .sorted { $0.name < $1.name }
        if archiving.contains(where: { $0.state == needed }) { return [] }
        guard let first = archiving.first else {
            return [.init(instance: instance, workflow: "archiving", state: WorkflowState.absent.rawValue, need: needed.rawValue)]
        }
        return [.init(instance: instance, workflow: first.name, state: first.state.rawValue, need: needed.rawValue)]
    }
}
