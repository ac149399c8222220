import Testing
import Ledger

private func illegal(
    _ state: StreamState, _ event: DomainEvent, sourceLocation: SourceLocation = #_sourceLocation
) -> LedgerError? {
    let error = #expect(throws: LedgerError.self, sourceLocation: sourceLocation) {
        try state.applying(event, stream: event.stream)
    }
    #expect(error?.code == .illegalTransition, sourceLocation: sourceLocation)
    #expect(error?.details["stream"] == event.stream, sourceLocation: sourceLocation)
    #expect(error?.message.hasPrefix("stream '\(event.stream)': ") == true, sourceLocation: sourceLocation)
    return error
}

private func status(_ to: EventStatus, id: String = "e42") -> DomainEvent {
    .eventStatusChanged(instance: "exec-01", eventId: id, queue: .realtime, to: to,
                        eventType: nil, channel: nil, reason: nil, recycledFrom: nil)
}

private let registered = DomainEvent.executionAccountRegistered(control: "ctrl", account: "acc", instance: "exec-01")
private let disabled = DomainEvent.executionAccountDisabled(control: "ctrl", account: "acc")
private let enabled = DomainEvent.executionAccountEnabled(control: "ctrl", account: "acc")

@Suite("Per-stream rules")
struct StreamStateTests {
    @Test func instanceIsRegisteredOnce() throws {
        let event = DomainEvent.instanceRegistered(instance: "exec-01", role: .execution)
        let state = try StreamState.absent.applying(event, stream: event.stream)
        #expect(state == .instance(.execution))
        let error = illegal(state, .instanceRegistered(instance: "exec-01", role: .minimal))
        #expect(error?.details["from"] == "registered as execution")
        #expect(error?.details["to"] == "registered as minimal")
        #expect(error?.message.contains("no further event is legal") == true)
    }

    @Test func accountLifecycle() throws {
        var state = try StreamState.absent.applying(registered, stream: registered.stream)
        #expect(state == .account(enabled: true))
        state = try state.applying(disabled, stream: disabled.stream)
        #expect(state == .account(enabled: false))
        state = try state.applying(enabled, stream: enabled.stream)
        #expect(state == .account(enabled: true))
    }

    @Test func accountIllegalTransitions() {
        let twice = illegal(.account(enabled: true), registered)
        #expect(twice?.message.contains("already registered (enabled)") == true)
        #expect(twice?.message.contains("legal events are: ExecutionAccountDisabled") == true)

        let disableTwice = illegal(.account(enabled: false), disabled)
        #expect(disableTwice?.message == "stream 'account-ctrl.acc': illegal account transition: ExecutionAccountDisabled on an account that is disabled; from disabled the legal events are: ExecutionAccountEnabled")
        #expect(disableTwice?.details["from"] == "disabled")
        #expect(disableTwice?.details["to"] == "disabled")

        let enableEnabled = illegal(.account(enabled: true), enabled)
        #expect(enableEnabled?.details["from"] == "enabled")

        let disableMissing = illegal(.absent, disabled)
        #expect(disableMissing?.message.contains("not registered") == true)
        #expect(disableMissing?.message.contains("legal events are: ExecutionAccountRegistered") == true)
        #expect(illegal(.absent, enabled) != nil)
    }

    @Test(arguments: WorkflowState.allCases, WorkflowAction.allCases)
    func workflowStreamsFollowTheWorkflowMachine(state: WorkflowState, action: WorkflowAction) throws {
        let event: DomainEvent
        switch action {
        case .created: event = .workflowCreated(instance: "i", workflow: "w", kind: nil, account: nil, label: nil)
        case .started: event = .workflowStarted(instance: "i", workflow: "w")
        case .paused: event = .workflowPaused(instance: "i", workflow: "w")
        case .stopped: event = .workflowStopped(instance: "i", workflow: "w")
        case .failed: event = .workflowFailed(instance: "i", workflow: "w", error: nil)
        }
        let current: StreamState = state == .absent ? .absent : .workflow(state)
        if let expected = try? state.applying(action) {
            #expect(try current.applying(event, stream: event.stream) == .workflow(expected))
        } else {
            let error = illegal(current, event)
            #expect(error?.details["from"] == state.rawValue)
            #expect(error?.details["to"] == action.resultingState.rawValue)
        }
    }

    @Test(arguments: [EventLifecycle.absent] + EventStatus.allCases.map { .status($0) }, EventStatus.allCases)
    func eventStreamsFollowTheStatusMachine(lifecycle: EventLifecycle, to: EventStatus) throws {
        let current: StreamState = lifecycle == .absent ? .absent : .event(lifecycle)
        if let expected = try? lifecycle.applying(to) {
            #expect(try current.applying(status(to), stream: status(to).stream) == .event(expected))
        } else {
            let error = illegal(current, status(to))
            #expect(error?.details["from"] == lifecycle.name)
            #expect(error?.details["to"] == to.rawValue)
        }
    }

    @Test func statusMessagesMatchTheSpecExamples() {
        let late = illegal(.event(.status(.sent)), status(.pending))
        #expect(late?.message == "stream 'rtEvent-exec-01.e42': illegal status transition sent -> pending; from sent the legal next statuses are: deliveryFailed")
        let final = illegal(.event(.status(.expired)), status(.pending))
        #expect(final?.message == "stream 'rtEvent-exec-01.e42': illegal status transition expired -> pending; 'expired' is final: no further transition is legal")
    }

    @Test func eventsOfAnotherKindAreRefused() {
        let foreign = illegal(.instance(.control), .workflowStarted(instance: "i", workflow: "w"))
        #expect(foreign?.details["from"] == "registered as control")
        #expect(foreign?.message == "stream 'workflow-i.w': illegal transition: WorkflowStarted on a stream whose state is registered as control; the stream holds another kind of events")
        #expect(illegal(.workflow(.started), .instanceRegistered(instance: "i", role: .control)) != nil)
        #expect(illegal(.instance(.control), registered) != nil)
        #expect(illegal(.workflow(.started), status(.pending)) != nil)
        #expect(illegal(.event(.status(.pending)), .workflowCreated(instance: "i", workflow: "w", kind: nil, account: nil, label: nil)) != nil)
        #expect(illegal(.workflow(.started), disabled) != nil)
    }

    @Test func reconstructsFromTheLastEvent() {
        let role = data(["instance": "i", "role": "minimal"])
        #expect(StreamState.reconstruct(lastType: "InstanceRegistered", lastData: role) == .instance(.minimal))
        #expect(StreamState.reconstruct(lastType: "ExecutionAccountRegistered", lastData: nil) == .account(enabled: true))
        #expect(StreamState.reconstruct(lastType: "ExecutionAccountEnabled", lastData: nil) == .account(enabled: true))
        #expect(StreamState.reconstruct(lastType: "ExecutionAccountDisabled", lastData: nil) == .account(enabled: false))
        #expect(StreamState.reconstruct(lastType: "WorkflowCreated", lastData: nil) == .workflow(.beingEdited))
        #expect(StreamState.reconstruct(lastType: "WorkflowStarted", lastData: nil) == .workflow(.started))
        #expect(StreamState.reconstruct(lastType: "WorkflowPaused", lastData: nil) == .workflow(.paused))
        #expect(StreamState.reconstruct(lastType: "WorkflowStopped", lastData: nil) == .workflow(.finished))
        #expect(StreamState.reconstruct(lastType: "WorkflowFailed", lastData: nil) == .workflow(.failed))
        for status in EventStatus.allCases {
            let members = data(["instance": "i", "eventId": "e", "queue": "batch", "to": status.rawValue])
            #expect(StreamState.reconstruct(lastType: "EventStatusChanged", lastData: members) == .event(.status(status)))
        }
    }

    @Test func reconstructFallsBackToAbsent() {
        #expect(StreamState.reconstruct(lastType: "CustomThing", lastData: data(["to": "sent"])) == .absent)
        #expect(StreamState.reconstruct(lastType: "EventStatusChanged", lastData: nil) == .absent)
        #expect(StreamState.reconstruct(lastType: "EventStatusChanged", lastData: data(["to": "bogus"])) == .absent)
        #expect(StreamState.reconstruct(lastType: "InstanceRegistered", lastData: data(["role": "king"])) == .absent)
    }

    /// Property: replaying any legal history event by event ends in the state that
    /// `reconstruct` derives from its last event alone.
    @Test(arguments: 0..<50)
    func replayAgreesWithReconstruct(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed))
        var workflow = StreamState.absent
        var workflowState = WorkflowState.absent
        var lastWorkflow: DomainEvent?
        var event = StreamState.absent
        var lifecycle = EventLifecycle.absent
        var lastEvent: DomainEvent?
        for _ in 0..<30 {
            let legal = workflowState.legalActions
            let action = legal[Int(rng.next() % UInt64(legal.count))]
            let next: DomainEvent = switch action {
            case .created: .workflowCreated(instance: "i", workflow: "w", kind: nil, account: nil, label: nil)
            case .started: .workflowStarted(instance: "i", workflow: "w")
            case .paused: .workflowPaused(instance: "i", workflow: "w")
            case .stopped: .workflowStopped(instance: "i", workflow: "w")
            case .failed: .workflowFailed(instance: "i", workflow: "w", error: "x")
            }
            workflow = try workflow.applying(next, stream: next.stream)
            workflowState = try workflowState.applying(action)
            lastWorkflow = next
        }
        let workflowLast = try #require(lastWorkflow)
        #expect(StreamState.reconstruct(lastType: workflowLast.typeName, lastData: nil) == workflow)

        for _ in 0..<30 {
            let legal = lifecycle.legalNext
            if legal.isEmpty { break }
            let to = legal[Int(rng.next() % UInt64(legal.count))]
            event = try event.applying(status(to), stream: status(to).stream)
            lifecycle = try lifecycle.applying(to)
            lastEvent = status(to)
        }
        guard case .eventStatusChanged(_, _, _, let to, _, _, _, _) = try #require(lastEvent) else { return }
        let members = data(["instance": "exec-01", "eventId": "e42", "queue": "realtime", "to": to.rawValue])
        #expect(StreamState.reconstruct(lastType: "EventStatusChanged", lastData: members) == event)
    }
}
