import Testing
import Ledger

/// The SPEC's workflow table, written out independently of the implementation:
/// action -> (legal from-states, to-state).
private let workflowTable: [String: (from: Set<String>, to: String)] = [
    "WorkflowCreated": (["absent"], "beingEdited"),
    "WorkflowStarted": (["beingEdited", "paused", "finished", "failed"], "started"),
    "WorkflowPaused": (["started"], "paused"),
    "WorkflowStopped": (["started", "paused", "failed"], "finished"),
    "WorkflowFailed": (["started"], "failed"),
]

@Suite("Workflow state machine")
struct WorkflowStateTests {
    @Test(arguments: WorkflowState.allCases, WorkflowAction.allCases)
    func everyTransitionFollowsTheTable(from: WorkflowState, action: WorkflowAction) throws {
        let rule = try #require(workflowTable[action.eventType])
        if rule.from.contains(from.rawValue) {
            #expect(try from.applying(action).rawValue == rule.to)
            #expect(from.legalActions.contains(action))
        } else {
            let error = #expect(throws: LedgerError.self) { try from.applying(action) }
            #expect(error?.code == .illegalTransition)
            #expect(error?.details["from"] == from.rawValue)
            #expect(error?.details["to"] == rule.to)
            #expect(error?.details["event"] == action.eventType)
            #expect(error?.message.contains(action.eventType) == true)
            #expect(error?.message.contains("from \(from.rawValue) the legal events are: ") == true)
            #expect(!from.legalActions.contains(action))
        }
    }

    @Test(arguments: WorkflowState.allCases)
    func legalActionsAreExactlyTheTable(state: WorkflowState) {
        let expected = Set(workflowTable.filter { $0.value.from.contains(state.rawValue) }.keys)
        #expect(Set(state.legalActions.map(\.eventType)) == expected)
        #expect(Set(state.legalActions).count == state.legalActions.count)
    }

    @Test func illegalMessageListsWhatIsLegal() {
        let error = #expect(throws: LedgerError.self) { try WorkflowState.paused.applying(.paused) }
        #expect(
            error?.message
                == "illegal workflow transition: WorkflowPaused while the workflow is paused (paused -> paused);"
                + " from paused the legal events are: WorkflowStarted, WorkflowStopped")
    }

    @Test func eventTypesRoundTrip() {
        for action in WorkflowAction.allCases {
            #expect(WorkflowAction(eventType: action.eventType) == action)
            #expect(DomainEventType(rawValue: action.eventType) != nil)
        }
        #expect(WorkflowAction(eventType: "WorkflowResumed") == nil)
    }

    @Test func aTypicalLifeIsLegal() throws {
        var state = WorkflowState.absent
        for action in [WorkflowAction.created, .started, .paused, .started, .failed, .started, .stopped, .started] {
            state = try state.applying(action)
        }
        #expect(state == .started)
    }
}
