import Foundation
import Ledger
import LedgerTestSupport

/// Deployments and events used by the HTTP tests.
enum APIFixtures {
    static let processing = ["batchEventsProcessing", "rtEventsProcessing", "updateEventStatus"]

    /// A distributed deployment that is ready except for the archiving
    /// workflow `ctrl/mcSynch_acc1`, created but paused.
    static func almostReady() -> [String] {
        var lines = [Fixtures.instance("ctrl", role: "control"), Fixtures.instance("exec-01"),
                     Fixtures.line(type: "ExecutionAccountRegistered", data: ["control": "ctrl", "account": "acc1", "instance": "exec-01"])]
        for workflow in processing {
            lines += [Fixtures.workflow("Created", instance: "exec-01", workflow: workflow),
                      Fixtures.workflow("Started", instance: "exec-01", workflow: workflow)]
        }
        lines += [Fixtures.workflow("Created", instance: "ctrl", workflow: "mcSynch_acc1"),
                  Fixtures.workflow("Started", instance: "ctrl", workflow: "mcSynch_acc1"),
                  Fixtures.workflow("Paused", instance: "ctrl", workflow: "mcSynch_acc1")]
        return lines
    }

    static let restartArchiving = Fixtures.workflow("Started", instance: "ctrl", workflow: "mcSynch_acc1")

    /// One new transactional event in status pending, with a client-chosen id.
    static func pending(_ name: String, id: UUID = UUID(), instance: String = "exec-01") -> String {
        Fixtures.status("pending", instance: instance, eventId: name, id: id)
    }

    static func ndjson(_ lines: [String]) -> String {
        lines.joined(separator: "\n") + "\n"
    }
}
