/// Something that happens to a technical workflow; each action is one event type
/// of the catalogue (`WorkflowCreated`, ...). Raw values are the action names.
public enum WorkflowAction: String, Sendable, CaseIterable {
    /// The workflow was created (event type `WorkflowCreated`).
    case created
    /// The workflow was started (`WorkflowStarted`).
    case started
    /// The workflow was paused (`WorkflowPaused`).
    case paused
    /// The workflow was stopped (`WorkflowStopped`).
    case stopped
    /// The workflow failed, which pauses it (`WorkflowFailed`).
    case failed

    /// The wire event type of this action, e.g. `WorkflowStarted`.
    public var eventType: String {
        switch self {
        case .created: return "WorkflowCreated"
        case .started: return "WorkflowStarted"
        case .paused: return "WorkflowPaused"
        case .stopped: return "WorkflowStopped"
        case .failed: return "WorkflowFailed"
        }
    }

    /// The action whose wire event type is `eventType`, or nil.
    public init?(eventType: String) {
        guard let action = Self.allCases.first(where: { $0.eventType == eventType }) else { return nil }
        self = action
    }

    /// The state a workflow is in after this action, whenever the action is legal.
    public var resultingState: WorkflowState {
        switch self {
        case .created: return .beingEdited
        case .started: return .started
        case .paused: return .paused
        case .stopped: return .finished
        case .failed: return .failed
        }
    }
}
