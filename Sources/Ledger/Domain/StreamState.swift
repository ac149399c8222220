/// What a stream's own history says, as far as the per-stream rules need it:
/// the state that the next event of the stream is checked against.
public enum StreamState: Sendable, Equatable {
    /// The stream has no events (or only events that carry no domain state).
    case absent
    /// An instance stream: the instance is registered with this role.
    case instance(InstanceRole)
    /// An account stream: the account is registered, enabled or disabled.
    case account(enabled: Bool)
    /// A workflow stream, in this state.
    case workflow(WorkflowState)
    /// A transactional event stream, at this point of its lifecycle.
    case event(EventLifecycle)

    /// The state's name, for messages: `absent`, `registered as <role>`,
    /// `enabled`, `disabled`, a workflow state, or a status (`none` before the first).
    public var name: String {
        switch self {
        case .absent: return "absent"
        case .instance(let role): return "registered as \(role.rawValue)"
        case .account(let enabled): return enabled ? "enabled" : "disabled"
        case .workflow(let state): return state.rawValue
        case .event(let lifecycle): return lifecycle.name
        }
    }
}
