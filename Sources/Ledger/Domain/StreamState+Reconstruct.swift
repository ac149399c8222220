extension StreamState {
    /// The state of a stream whose last stored event has type `lastType` and data
    /// `lastData`, so that validation can resume from the database without
    /// replaying the stream: `InstanceRegistered` -> `.instance(data.role)`;
    /// `ExecutionAccountRegistered`/`Enabled` -> enabled, `Disabled` -> disabled;
    /// workflow events -> the state they lead to; `EventStatusChanged` ->
    /// `.event(.status(data.to))`.
    ///
    /// Neutral fallback: an unknown (raw) type, or an `InstanceRegistered` /
    /// `EventStatusChanged` whose data is missing or has no valid `role` / `to`,
    /// gives `.absent`, the state that carries no domain rule. Callers must pass
    /// the stored data for those two types; every other type needs none.
    public static func reconstruct(lastType: String, lastData: JSONObject?) -> StreamState {
        guard let type = DomainEventType(rawValue: lastType) else { return .absent }
        switch type {
        case .instanceRegistered:
            guard let raw = lastData?["role"]?.stringValue, let role = InstanceRole(rawValue: raw) else {
                return .absent
            }
            return .instance(role)
        case .executionAccountRegistered, .executionAccountEnabled:
            return .account(enabled: true)
        case .executionAccountDisabled:
            return .account(enabled: false)
        case .workflowCreated, .workflowStarted, .workflowPaused, .workflowStopped, .workflowFailed:
            guard let action = WorkflowAction(eventType: lastType) else { return .absent }
            return .workflow(action.resultingState)
        case .eventStatusChanged:
            guard let raw = lastData?["to"]?.stringValue, let status = EventStatus(rawValue: raw) else {
                return .absent
            }
            return .event(.status(status))
        }
    }
}
