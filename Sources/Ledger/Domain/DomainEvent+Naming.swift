extension DomainEvent {
    /// The catalogue type of the event.
    public var eventType: DomainEventType {
        switch self {
        case .instanceRegistered: return .instanceRegistered
        case .executionAccountRegistered: return .executionAccountRegistered
        case .executionAccountDisabled: return .executionAccountDisabled
        case .executionAccountEnabled: return .executionAccountEnabled
        case .workflowCreated: return .workflowCreated
        case .workflowStarted: return .workflowStarted
        case .workflowPaused: return .workflowPaused
        case .workflowStopped: return .workflowStopped
        case .workflowFailed: return .workflowFailed
        case .eventStatusChanged: return .eventStatusChanged
        }
    }

    /// The wire `type` of the event, e.g. `WorkflowStarted`.
    public var typeName: String { eventType.rawValue }

    /// The stream the event belongs to: `instance-<instance>`,
    /// `account-<control>.<account>`, `workflow-<instance>.<workflow>` (both
    /// spellings of `updateEventStatus` map to `updateEventStatus`), or
    /// `rtEvent-<instance>.<eventId>` / `batchEvent-<instance>.<eventId>`.
    public var stream: String {
        switch self {
        case .instanceRegistered(let instance, _):
            return Self.streamName("instance", instance)
        case .executionAccountRegistered(let control, let account, _),
            .executionAccountDisabled(let control, let account),
            .executionAccountEnabled(let control, let account):
            return Self.streamName("account", control, account)
        case .workflowCreated(let instance, let workflow, _, _, _),
            .workflowStarted(let instance, let workflow),
            .workflowPaused(let instance, let workflow),
            .workflowStopped(let instance, let workflow),
            .workflowFailed(let instance, let workflow, _):
            return Self.streamName("workflow", instance, WorkflowKind.canonicalWorkflowName(workflow))
        case .eventStatusChanged(let instance, let eventId, let queue, _, _, _, _, _):
            return Self.streamName(queue.streamCategory, instance, eventId)
        }
    }

    /// `<category>-<owner>` or `<category>-<owner>.<id>`, built in one allocation
    /// (string interpolation is measurably slower on the append path).
    private static func streamName(_ category: String, _ owner: String, _ id: String? = nil) -> String {
        var name = category
        name.reserveCapacity(category.utf8.count + owner.utf8.count + (id?.utf8.count ?? 0) + 2)
        name += "-"
        name += owner
        if let id {
            name += "."
            name += id
        }
        return name
    }

    /// The workflow action of a workflow event; nil for the other events.
    public var workflowAction: WorkflowAction? {
        switch self {
        case .workflowCreated: return .created
        case .workflowStarted: return .started
        case .workflowPaused: return .paused
        case .workflowStopped: return .stopped
        case .workflowFailed: return .failed
        default: return nil
        }
    }
}
