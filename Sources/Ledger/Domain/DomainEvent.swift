/// One event of the domain catalogue with its fields typed and validated.
///
/// A value built by ``decode(type:data:)`` guarantees that every name has its
/// format (``NameFormat``), every optional text is at most
/// ``DomainLimits/maxTextFieldLength`` long, and a workflow's kind agrees with
/// its internal name. Extra fields of `data` are not represented here; they are
/// kept in ``ProposedEvent/data``.
public enum DomainEvent: Sendable, Equatable {
    /// `InstanceRegistered`.
    case instanceRegistered(instance: String, role: InstanceRole)
    /// `ExecutionAccountRegistered`: `account` on control instance `control` points at `instance`.
    case executionAccountRegistered(control: String, account: String, instance: String)
    /// `ExecutionAccountDisabled`.
    case executionAccountDisabled(control: String, account: String)
    /// `ExecutionAccountEnabled`.
    case executionAccountEnabled(control: String, account: String)
    /// `WorkflowCreated`; `kind` is the given or derived kind (nil when neither),
    /// `account` the given or derived archiving account.
    case workflowCreated(instance: String, workflow: String, kind: WorkflowKind?, account: String?, label: String?)
    /// `WorkflowStarted`.
    case workflowStarted(instance: String, workflow: String)
    /// `WorkflowPaused`.
    case workflowPaused(instance: String, workflow: String)
    /// `WorkflowStopped`.
    case workflowStopped(instance: String, workflow: String)
    /// `WorkflowFailed`, with the error text when given.
    case workflowFailed(instance: String, workflow: String, error: String?)
    /// `EventStatusChanged`: event `eventId` of `instance`, in `queue`, now has status `to`.
    case eventStatusChanged(
        instance: String, eventId: String, queue: EventQueue, to: EventStatus,
        eventType: String?, channel: String?, reason: String?, recycledFrom: String?)
}
