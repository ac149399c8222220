/// The role of a Message Center instance. Raw values are the wire names.
public enum InstanceRole: String, Sendable, CaseIterable {
    /// Runs the control module; holds the execution-instance accounts and their archiving workflows.
    case control
    /// Runs the execution module; processes transactional events.
    case execution
    /// Control and execution modules on one instance.
    case minimal
}
