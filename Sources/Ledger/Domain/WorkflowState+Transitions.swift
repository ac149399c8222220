extension WorkflowState {
    /// The actions legal from this state, in catalogue order; exactly the SPEC table:
    /// created from absent; started from beingEdited, paused, finished, failed;
    /// paused from started; stopped from started, paused, failed; failed from started.
    public var legalActions: [WorkflowAction] {
        switch self {
        case .absent: return [.created]
        case .beingEdited: return [.started]
        case .started: return [.paused, .stopped, .failed]
        case .paused: return [.started, .stopped]
        case .finished: return [.started]
        case .failed: return [.started, .stopped]
        }
    }

    /// The state after `action`, or `.illegalTransition` when the action is not
    /// legal from this state; the message names the attempted event, the current
    /// state and the legal events from it, and `details` holds `from`, `to`
    /// (the state the action would have led to) and `event`.
    public func applying(_ action: WorkflowAction) throws(LedgerError) -> WorkflowState {
        guard legalActions.contains(action) else {
            let legal = legalActions.map(\.eventType).joined(separator: ", ")
            throw LedgerError(
                .illegalTransition,
                "illegal workflow transition: \(action.eventType) while the workflow is \(rawValue)"
                    + " (\(rawValue) -> \(action.resultingState.rawValue)); from \(rawValue) the legal events are: \(legal)",
                details: ["from": rawValue, "to": action.resultingState.rawValue, "event": action.eventType])
        }
        return action.resultingState
    }
}
