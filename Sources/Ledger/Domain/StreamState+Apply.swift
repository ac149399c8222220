extension StreamState {
    /// The state of `stream` after `event`, checking only the stream's own rules:
    /// `InstanceRegistered` and `ExecutionAccountRegistered` only on an absent
    /// stream; `ExecutionAccountDisabled` only when enabled and
    /// `ExecutionAccountEnabled` only when disabled; workflow events per
    /// ``WorkflowState/applying(_:)``; status changes per ``EventLifecycle/applying(_:)``.
    ///
    /// A refused event throws `.illegalTransition` whose message names the
    /// stream, the current state, the attempted transition and what is legal
    /// from there; `details` holds `stream`, `from` and `to`.
    public func applying(_ event: DomainEvent, stream: String) throws(LedgerError) -> StreamState {
        guard holdsEvents(like: event) else { throw foreign(stream, event) }
        switch event {
        case .instanceRegistered(_, let role):
            guard case .absent = self else {
                throw illegal(
                    "instance", stream, to: "registered as \(role.rawValue)",
                    "InstanceRegistered on an instance that is already \(name); an instance is registered once,"
                        + " no further event is legal on its stream")
            }
            return .instance(role)

        case .executionAccountRegistered:
            guard case .absent = self else {
                throw illegal(
                    "account", stream, to: "enabled",
                    "ExecutionAccountRegistered on an account that is already registered (\(name));"
                        + " from \(name) the legal events are: \(accountLegalEvents)")
            }
            return .account(enabled: true)

        case .executionAccountDisabled:
            guard case .account(enabled: true) = self else {
                throw illegal(
                    "account", stream, to: "disabled",
                    "ExecutionAccountDisabled on an account that is \(accountStateName);"
                        + " from \(accountStateName) the legal events are: \(accountLegalEvents)")
            }
            return .account(enabled: false)

        case .executionAccountEnabled:
            guard case .account(enabled: false) = self else {
                throw illegal(
                    "account", stream, to: "enabled",
                    "ExecutionAccountEnabled on an account that is \(accountStateName);"
                        + " from \(accountStateName) the legal events are: \(accountLegalEvents)")
            }
            return .account(enabled: true)

        case .workflowCreated, .workflowStarted, .workflowPaused, .workflowStopped, .workflowFailed:
            var current = WorkflowState.absent
            if case .workflow(let state) = self { current = state }
            guard let action = event.workflowAction else { throw foreign(stream, event) }
            do {
                return .workflow(try current.applying(action))
            } catch {
                throw error.onStream(stream)
            }

        case .eventStatusChanged(_, _, _, let to, _, _, _, _):
            var current = EventLifecycle.absent
            if case .event(let lifecycle) = self { current = lifecycle }
            do {
                return .event(try current.applying(to))
            } catch {
                throw error.onStream(stream)
            }
        }
    }

    /// `absent` is reported as "not registered" on an account stream.
    private var accountStateName: String {
        if case .absent = self { return "not registered" }
        return name
    }

    private var accountLegalEvents: String {
        switch self {
        case .account(enabled: true): return "ExecutionAccountDisabled"
        case .account(enabled: false): return "ExecutionAccountEnabled"
        default: return "ExecutionAccountRegistered"
        }
    }

    /// True when this state is absent or of the kind `event` applies to.
    private func holdsEvents(like event: DomainEvent) -> Bool {
        switch (self, event) {
        case (.absent, _),
            (.instance, .instanceRegistered),
            (.account, .executionAccountRegistered), (.account, .executionAccountDisabled),
            (.account, .executionAccountEnabled),
            (.workflow, .workflowCreated), (.workflow, .workflowStarted), (.workflow, .workflowPaused),
            (.workflow, .workflowStopped), (.workflow, .workflowFailed),
            (.event, .eventStatusChanged):
            return true
        default:
            return false
        }
    }

    private func illegal(_ kind: String, _ stream: String, to: String, _ message: String) -> LedgerError {
        LedgerError(
            .illegalTransition, "stream '\(stream)': illegal \(kind) transition: \(message)",
            details: ["stream": stream, "from": name, "to": to])
    }

    /// An event whose kind does not belong on a stream holding another kind of state.
    private func foreign(_ stream: String, _ event: DomainEvent) -> LedgerError {
        LedgerError(
            .illegalTransition,
            "stream '\(stream)': illegal transition: \(event.typeName) on a stream whose state is \(name);"
                + " the stream holds another kind of events",
            details: ["stream": stream, "from": name, "to": event.typeName])
    }
}
