import Testing
import Ledger

@Suite("Workflow kinds and names")
struct WorkflowKindTests {
    @Test(arguments: [
        ("batchEventsProcessing", WorkflowKind.batchEventsProcessing, nil),
        ("rtEventsProcessing", .rtEventsProcessing, nil),
        ("updateEventStatus", .updateEventStatus, nil),
        ("updateEventsStatus", .updateEventStatus, nil),
        ("mcSynch_exec01", .archiving, "exec01"),
        ("mcSynch_A_b_9", .archiving, "A_b_9"),
    ] as [(String, WorkflowKind, String?)])
    func derivesKindFromTheInternalName(name: String, kind: WorkflowKind, account: String?) throws {
        let derived = try #require(WorkflowKind.derived(fromWorkflowName: name))
        #expect(derived.kind == kind)
        #expect(derived.account == account)
    }

    @Test(arguments: [
        "wkfArchiving", "mcSynch_", "mcSynch_exec-01", "mcsynch_exec01", "UpdateEventStatus",
        "rtEventsProcessing2", "batchEventProcessing",
    ])
    func otherNamesImplyNoKind(name: String) {
        #expect(WorkflowKind.derived(fromWorkflowName: name) == nil)
    }

    @Test func bothSpellingsOfUpdateEventStatusAreOneWorkflow() throws {
        #expect(WorkflowKind.canonicalWorkflowName("updateEventsStatus") == "updateEventStatus")
        #expect(WorkflowKind.canonicalWorkflowName("updateEventStatus") == "updateEventStatus")
        #expect(WorkflowKind.canonicalWorkflowName("rtEventsProcessing") == "rtEventsProcessing")

        for spelling in ["updateEventStatus", "updateEventsStatus"] {
            let event = try DomainEvent.decode(
                type: "WorkflowCreated", data: data(["instance": "exec-01", "workflow": spelling]))
            // Stored as given, same stream.
            #expect(event == .workflowCreated(
                instance: "exec-01", workflow: spelling, kind: .updateEventStatus, account: nil, label: nil))
            #expect(event.stream == "workflow-exec-01.updateEventStatus")
            let started = try DomainEvent.decode(
                type: "WorkflowStarted", data: data(["instance": "exec-01", "workflow": spelling]))
            #expect(started.stream == "workflow-exec-01.updateEventStatus")
        }
        // Created under one spelling, started under the other: one stream, legal.
        let created = try StreamState.absent.applying(
            .workflowCreated(instance: "e", workflow: "updateEventsStatus", kind: .updateEventStatus, account: nil, label: nil),
            stream: "workflow-e.updateEventStatus")
        #expect(try created.applying(.workflowStarted(instance: "e", workflow: "updateEventStatus"), stream: "workflow-e.updateEventStatus") == .workflow(.started))
    }

    @Test func createdTakesTheDerivedKindAndAccount() throws {
        let event = try DomainEvent.decode(
            type: "WorkflowCreated",
            data: data(["instance": "ctrl", "workflow": "mcSynch_exec01", "label": "Message Center exec01"]))
        #expect(event == .workflowCreated(
            instance: "ctrl", workflow: "mcSynch_exec01", kind: .archiving, account: "exec01",
            label: "Message Center exec01"))
    }

    @Test func explicitKindMayNameAnyWorkflow() throws {
        let event = try DomainEvent.decode(
            type: "WorkflowCreated",
            data: data(["instance": "mini", "workflow": "archiveEvents", "kind": "archiving", "account": "acc1"]))
        #expect(event == .workflowCreated(instance: "mini", workflow: "archiveEvents", kind: .archiving, account: "acc1", label: nil))
        let unknown = try DomainEvent.decode(type: "WorkflowCreated", data: data(["instance": "i", "workflow": "custom"]))
        #expect(unknown == .workflowCreated(instance: "i", workflow: "custom", kind: nil, account: nil, label: nil))
        let agreeing = try DomainEvent.decode(
            type: "WorkflowCreated", data: data(["instance": "i", "workflow": "rtEventsProcessing", "kind": "rtEventsProcessing"]))
        #expect(agreeing == .workflowCreated(instance: "i", workflow: "rtEventsProcessing", kind: .rtEventsProcessing, account: nil, label: nil))
    }

    @Test func contradictionsAreRefused() {
        let kind = #expect(throws: LedgerError.self) {
            try DomainEvent.decode(
                type: "WorkflowCreated",
                data: data(["instance": "i", "workflow": "rtEventsProcessing", "kind": "batchEventsProcessing"]))
        }
        #expect(kind?.code == .invalidInput)
        #expect(kind?.details["field"] == "kind")
        #expect(kind?.message.contains("rtEventsProcessing") == true)

        let account = #expect(throws: LedgerError.self) {
            try DomainEvent.decode(
                type: "WorkflowCreated", data: data(["instance": "c", "workflow": "mcSynch_a1", "account": "a2"]))
        }
        #expect(account?.details["field"] == "account")

        let accountOnProcessing = #expect(throws: LedgerError.self) {
            try DomainEvent.decode(
                type: "WorkflowCreated", data: data(["instance": "c", "workflow": "rtEventsProcessing", "account": "a2"]))
        }
        #expect(accountOnProcessing?.details["field"] == "account")

        let badKind = #expect(throws: LedgerError.self) {
            try DomainEvent.decode(type: "WorkflowCreated", data: data(["instance": "c", "workflow": "w", "kind": "cleanup"]))
        }
        #expect(badKind?.message.contains("batchEventsProcessing, rtEventsProcessing, updateEventStatus, archiving") == true)
    }
}
