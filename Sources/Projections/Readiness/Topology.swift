import Ledger

/// What readiness is computed from: the instances, execution-instance
/// accounts and workflows the ledger holds at one position.
public struct Topology: Sendable, Equatable {
    /// A registered instance.
    public struct Instance: Sendable, Equatable {
        public var name: String
        public var role: InstanceRole
    }

    /// An execution-instance external account on a control instance.
    public struct Account: Sendable, Equatable {
        public var control: String
        public var account: String
        /// The execution instance it points at.
        public var instance: String
        public var enabled: Bool
    }

    /// A technical workflow and its current state.
    public struct Workflow: Sendable, Equatable {
        public var instance: String
        /// The internal name as given when it was created (either spelling of updateEventStatus).
        public var name: String
        public var kind: WorkflowKind?
        public var state: WorkflowState
    }

    public var instances: [String: Instance] = [:]
    public var accounts: [Account] = []
    /// Keyed by instance and canonical workflow name.
    public var workflows: [WorkflowKey: Workflow] = [:]

    /// Identifies a workflow: both spellings of updateEventStatus are one key.
    public struct WorkflowKey: Sendable, Hashable {
        public var instance: String
        public var canonicalName: String
        public init(instance: String, name: String) {
            self.instance = instance
            self.canonicalName = WorkflowKind.canonicalWorkflowName(name)
        }
    }

    public init() {}

    /// Adds one stream's state: its first event's data and its last event.
    /// Streams of other categories, and malformed rows, are ignored.
    public mutating func add(category: String, firstData: JSONObject, lastType: String) {
        switch category {
        case "instance":
            guard let name = firstData["instance"]?.stringValue,
                  let role = firstData["role"]?.stringValue.flatMap(InstanceRole.init(rawValue:)) else { return }
            instances[name] = Instance(name: name, role: role)
        case "account":
            guard let control = firstData["control"]?.stringValue, let account = firstData["account"]?.stringValue,
                  let instance = firstData["instance"]?.stringValue else { return }
            accounts.append(Account(control: control, account: account, instance: instance, enabled: lastType != "ExecutionAccountDisabled"))
        case "workflow":
            guard let instance = firstData["instance"]?.stringValue, let name = firstData["workflow"]?.stringValue,
                  let action = WorkflowAction(eventType: lastType) else { return }
            let kind = WorkflowKind.derived(fromWorkflowName: name)?.kind
                ?? firstData["kind"]?.stringValue.flatMap(WorkflowKind.init(rawValue:))
            workflows[WorkflowKey(instance: instance, name: name)] = Workflow(instance: instance, name: name, kind: kind, state: action.resultingState)
        default:
            return
        }
    }
}
