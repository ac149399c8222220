import Foundation
import Ledger
import LedgerTestSupport
import Testing

/// Every illegal transition of SPEC section 1 is refused with nothing appended.
/// The legal tables are written out here independently of the domain code.
@Suite("Illegal transitions against the database")
struct TransitionTests {
    static let workflowPaths: [String: [String]] = [
        "absent": [],
        "beingEdited": ["Created"],
        "started": ["Created", "Started"],
        "paused": ["Created", "Started", "Paused"],
        "finished": ["Created", "Started", "Stopped"],
        "failed": ["Created", "Started", "Failed"],
    ]
    static let workflowLegal: [String: Set<String>] = [
        "absent": ["Created"],
        "beingEdited": ["Started"],
        "started": ["Paused", "Stopped", "Failed"],
        "paused": ["Started", "Stopped"],
        "finished": ["Started"],
        "failed": ["Started", "Stopped"],
    ]
    static let actions = ["Created", "Started", "Paused", "Stopped", "Failed"]

    static let statusPaths: [String: [String]] = [
        "absent": [],
        "pending": ["pending"],
        "pendingDelivery": ["pending", "pendingDelivery"],
        "sent": ["pending", "pendingDelivery", "sent"],
        "ignored": ["pending", "pendingDelivery", "ignored"],
        "deliveryFailed": ["pending", "pendingDelivery", "deliveryFailed"],
        "notTakenIntoAccount": ["pending", "notTakenIntoAccount"],
        "expired": ["pending", "expired"],
    ]
    static let statusLegal: [String: Set<String>] = [
        "absent": ["pending"],
        "pending": ["pending", "pendingDelivery", "notTakenIntoAccount", "expired"],
        "pendingDelivery": ["sent", "ignored", "deliveryFailed", "pending"],
        "sent": ["deliveryFailed"],
        "ignored": [], "deliveryFailed": [], "notTakenIntoAccount": [], "expired": [],
    ]
    static let statuses = ["pending", "pendingDelivery", "sent", "ignored", "deliveryFailed", "notTakenIntoAccount", "expired"]

    @Test("every illegal workflow transition is refused and appends nothing; every legal one appends")
    func workflowTransitions() async throws {
        let store = try await TestCluster.shared.freshDatabase().store()
        var refused = 0
        for (state, path) in Self.workflowPaths.sorted(by: { $0.key < $1.key }) {
            for action in Self.actions {
                let workflow = "wf_\(state)_\(action)"
                if !path.isEmpty {
                    _ = try await store.append(lines: path.map { Fixtures.workflow($0, instance: "exec-01", workflow: workflow) })
                }
                let before = try await store.count()
                let attempt = Fixtures.workflow(action, instance: "exec-01", workflow: workflow)
                if Self.workflowLegal[state, default: []].contains(action) {
                    _ = try await store.append(lines: [attempt])
                    #expect(try await store.count() == before + 1)
                } else {
                    let error = await #expect(throws: LedgerError.self, "\(state) -> \(action) must be refused") {
                        try await store.append(lines: [attempt])
                    }
                    #expect(error?.code == .illegalTransition)
                    #expect(error?.message.contains("workflow-exec-01.\(workflow)") == true, "names the stream: \(error?.message ?? "")")
                    #expect(try await store.count() == before)
                    refused += 1
                }
            }
        }
        #expect(refused == 30 - 10)
    }

    @Test("every illegal status transition is refused and appends nothing; every legal one appends")
    func statusTransitions() async throws {
        let store = try await TestCluster.shared.freshDatabase().store()
        var refused = 0
        for (state, path) in Self.statusPaths.sorted(by: { $0.key < $1.key }) {
            for target in Self.statuses {
                let eventId = "ev_\(state)_\(target)"
                if !path.isEmpty {
                    _ = try await store.append(lines: path.map { Fixtures.status($0, instance: "exec-01", eventId: eventId) })
                }
                let before = try await store.count()
                let attempt = Fixtures.status(target, instance: "exec-01", eventId: eventId)
                if Self.statusLegal[state, default: []].contains(target) {
                    _ = try await store.append(lines: [attempt])
                    #expect(try await store.count() == before + 1)
                } else {
                    let error = await #expect(throws: LedgerError.self, "\(state) -> \(target) must be refused") {
                        try await store.append(lines: [attempt])
                    }
                    #expect(error?.code == .illegalTransition)
                    #expect(error?.message.contains("rtEvent-exec-01.\(eventId)") == true)
                    #expect(try await store.count() == before)
                    refused += 1
                }
            }
        }
        #expect(refused == 8 * 7 - 10)
    }

    @Test("per-stream rules for instances and accounts")
    func instanceAndAccountRules() async throws {
        let store = try await TestCluster.shared.freshDatabase().store()
        let register = Fixtures.line(type: "ExecutionAccountRegistered", data: ["control": "ctrl", "account": "acc1", "instance": "exec-01"])
        let disable = Fixtures.line(type: "ExecutionAccountDisabled", data: ["control": "ctrl", "account": "acc1"])
        let enable = Fixtures.line(type: "ExecutionAccountEnabled", data: ["control": "ctrl", "account": "acc1"])
        await #expect(throws: LedgerError.self) { try await store.append(lines: [disable]) }
        _ = try await store.append(lines: [register, disable])
        await #expect(throws: LedgerError.self) { try await store.append(lines: [disable]) }
        _ = try await store.append(lines: [enable])
        await #expect(throws: LedgerError.self) { try await store.append(lines: [enable]) }
        await #expect(throws: LedgerError.self) { try await store.append(lines: [register]) }
        _ = try await store.append(lines: [Fixtures.instance("exec-01")])
        await #expect(throws: LedgerError.self) { try await store.append(lines: [Fixtures.instance("exec-01", role: "minimal")]) }
        #expect(try await store.count() == 4)
    }
}
