/// The state of one technical workflow, as its own event history leaves it.
/// Raw values are the wire names used in readiness answers.
public enum WorkflowState: String, Sendable, CaseIterable {
    /// No event exists for the workflow yet.
    case absent
    /// Created, never started yet.
    case beingEdited
    /// Running.
    case started
    /// Paused by an operator.
    case paused
    /// Stopped.
    case finished
    /// Paused by an error.
    case failed
}
