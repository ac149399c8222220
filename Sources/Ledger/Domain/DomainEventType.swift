/// The catalogue of domain event types. Raw values are the wire `type` names.
public enum DomainEventType: String, Sendable, CaseIterable {
    /// An instance and its role (stream `instance-<instance>`).
    case instanceRegistered = "InstanceRegistered"
    /// An execution-instance account on a control instance (stream `account-<control>.<account>`).
    case executionAccountRegistered = "ExecutionAccountRegistered"
    /// The account is disabled (same stream).
    case executionAccountDisabled = "ExecutionAccountDisabled"
    /// The account is enabled again (same stream).
    case executionAccountEnabled = "ExecutionAccountEnabled"
    /// A technical workflow is created (stream `workflow-<instance>.<workflow>`).
    case workflowCreated = "WorkflowCreated"
    /// The workflow is started (same stream).
    case workflowStarted = "WorkflowStarted"
    /// The workflow is paused (same stream).
    case workflowPaused = "WorkflowPaused"
    /// The workflow is stopped (same stream).
    case workflowStopped = "WorkflowStopped"
    /// The workflow failed (same stream).
    case workflowFailed = "WorkflowFailed"
    /// A transactional event changes status (stream `rtEvent-...` or `batchEvent-...`).
    case eventStatusChanged = "EventStatusChanged"

    /// The stream categories that only domain events may be written to.
    public static let domainStreamCategories: Set<String> = [
        "instance", "account", "workflow",
        EventQueue.realtime.streamCategory, EventQueue.batch.streamCategory,
    ]
}
