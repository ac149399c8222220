import Foundation
import Ledger
import LedgerTestSupport
import Projections
import Testing

/// The readiness rules of SPEC section 1, against a real PostgreSQL.
@Suite("Readiness scenarios")
struct ReadinessScenarioTests {
    static let processing = ["batchEventsProcessing", "rtEventsProcessing", "updateEventStatus"]

    static func started(_ instance: String, _ workflow: String) -> [String] {
        [Fixtures.workflow("Created", instance: instance, workflow: workflow),
         Fixtures.workflow("Started", instance: instance, workflow: workflow)]
    }

    static func account(_ control: String, _ account: String, _ instance: String) -> String {
        Fixtures.line(type: "ExecutionAccountRegistered", data: ["control": control, "account": account, "instance": instance])
    }

    /// Appends `lines` and answers readiness at the head (no projector running).
    static func readiness(_ lines: [String], store: EventStore? = nil) async throws -> ReadinessAnswer {
        let target: EventStore
        if let store { target = store } else { target = try await TestCluster.shared.freshDatabase().store() }
        let store = target
        _ = try await store.append(lines: lines)
        return try await ProjectionReader(store: store).readiness()
    }

    static func distributed() -> [String] {
        [Fixtures.instance("ctrl", role: "control"), Fixtures.instance("exec-01"), account("ctrl", "acc1", "exec-01")]
            + processing.flatMap { started("exec-01", $0) } + started("ctrl", "mcSynch_acc1")
    }

    @Test("distributed: ready when the three processing workflows and the account's archiving workflow are started")
    func distributedReady() async throws {
        let answer = try await Self.readiness(Self.distributed())
        #expect(answer.ready)
        #expect(answer.instances.map(\.instance) == ["exec-01"])
        #expect(answer.instances.first?.required == true)
        #expect(answer.position == Self.distributed().count)
    }

    @Test("nothing required means not ready; an execution instance without an account is not required")
    func nothingRequired() async throws {
        let answer = try await Self.readiness([Fixtures.instance("exec-01")] + Self.processing.flatMap { Self.started("exec-01", $0) })
        #expect(!answer.ready)
        #expect(answer.instances.first?.required == false)
        #expect(answer.instances.first?.ready == true)
    }

    @Test("a missing archiving workflow and a paused processing workflow are both named")
    func missingRequirementsAreNamed() async throws {
        let lines = [Fixtures.instance("ctrl", role: "control"), Fixtures.instance("exec-01"), Self.account("ctrl", "acc1", "exec-01")]
            + Self.processing.flatMap { Self.started("exec-01", $0) }
            + [Fixtures.workflow("Paused", instance: "exec-01", workflow: "rtEventsProcessing")]
        let answer = try await Self.readiness(lines)
        #expect(!answer.ready)
        let missing = try #require(answer.instances.first).missing
        #expect(missing.contains(.init(instance: "exec-01", workflow: "rtEventsProcessing", state: "paused", need: "started")))
        #expect(missing.contains(.init(instance: "ctrl", workflow: "mcSynch_acc1", state: "absent", need: "started")))
        #expect(missing.count == 2)
    }

    @Test("failed, stopped and restarted workflows", arguments: [
        (["Failed"], "failed", false),
        (["Stopped"], "finished", false),
        (["Failed", "Started"], "started", true),
        (["Paused", "Stopped", "Started"], "started", true),
    ])
    func workflowLifecycles(_ actions: [String], _ state: String, _ ready: Bool) async throws {
        let lines = Self.distributed() + actions.map { Fixtures.workflow($0, instance: "exec-01", workflow: "batchEventsProcessing") }
        let answer = try await Self.readiness(lines)
        #expect(answer.ready == ready)
        if !ready {
            #expect(answer.instances.first?.missing == [.init(instance: "exec-01", workflow: "batchEventsProcessing", state: state, need: "started")])
        }
    }

    @Test("a disabled account is not required; enabling it again makes it required")
    func disabledAccount() async throws {
        let store = try await TestCluster.shared.freshDatabase().store()
        let second = [Fixtures.instance("exec-02"), Self.account("ctrl", "acc2", "exec-02"),
                      Fixtures.line(type: "ExecutionAccountDisabled", data: ["control": "ctrl", "account": "acc2"])]
        let answer = try await Self.readiness(Self.distributed() + second, store: store)
        #expect(answer.ready)
        #expect(answer.instances.first { $0.instance == "exec-02" }?.required == false)
        let enabled = try await Self.readiness([Fixtures.line(type: "ExecutionAccountEnabled", data: ["control": "ctrl", "account": "acc2"])], store: store)
        #expect(!enabled.ready)
        let exec2 = try #require(enabled.instances.first { $0.instance == "exec-02" })
        #expect(exec2.required && !exec2.ready && exec2.missing.count == 4)
    }

    @Test("two control instances pointing at one execution instance: both archiving workflows are needed")
    func twoControlInstances() async throws {
        let store = try await TestCluster.shared.freshDatabase().store()
        let lines = Self.distributed() + [Fixtures.instance("ctrl2", role: "control"), Self.account("ctrl2", "accX", "exec-01")]
        let answer = try await Self.readiness(lines, store: store)
        #expect(!answer.ready)
        #expect(answer.instances.first?.missing == [.init(instance: "ctrl2", workflow: "mcSynch_accX", state: "absent", need: "started")])
        let fixed = try await Self.readiness(Self.started("ctrl2", "mcSynch_accX"), store: store)
        #expect(fixed.ready)
    }

    @Test("minimal instance: three processing workflows and its own archiving workflow")
    func minimalInstance() async throws {
        let store = try await TestCluster.shared.freshDatabase().store()
        let base = [Fixtures.instance("mini", role: "minimal")] + Self.processing.flatMap { Self.started("mini", $0) }
        let answer = try await Self.readiness(base, store: store)
        #expect(!answer.ready)
        #expect(answer.instances.first?.required == true)
        #expect(answer.instances.first?.missing.first?.workflow == "archiving")
        let created = Fixtures.line(type: "WorkflowCreated", data: ["instance": "mini", "workflow": "mcArchive", "kind": "archiving"])
        let ready = try await Self.readiness([created, Fixtures.workflow("Started", instance: "mini", workflow: "mcArchive")], store: store)
        #expect(ready.ready)
    }

    @Test("both spellings of updateEventStatus are one workflow")
    func bothSpellings() async throws {
        let lines = [Fixtures.instance("ctrl", role: "control"), Fixtures.instance("exec-01"), Self.account("ctrl", "acc1", "exec-01")]
            + Self.started("exec-01", "batchEventsProcessing") + Self.started("exec-01", "rtEventsProcessing")
            + [Fixtures.workflow("Created", instance: "exec-01", workflow: "updateEventsStatus"),
               Fixtures.workflow("Started", instance: "exec-01", workflow: "updateEventStatus")]
            + Self.started("ctrl", "mcSynch_acc1")
        let answer = try await Self.readiness(lines)
        #expect(answer.ready, "\(answer)")
    }

    @Test("feeds in any order: an account that names an instance registered later still counts")
    func crossStreamOrder() async throws {
        let lines = [Self.account("ctrl", "acc1", "exec-01")] + Self.processing.flatMap { Self.started("exec-01", $0) }
            + Self.started("ctrl", "mcSynch_acc1")
        let answer = try await Self.readiness(lines)
        #expect(answer.ready)
        #expect(answer.instances.first?.role == "execution")
    }
}
