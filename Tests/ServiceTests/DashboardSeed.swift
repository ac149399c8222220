import Foundation
import Ledger
import LedgerTestSupport
import Testing

/// A small distributed deployment for the dashboard tests, appended over
/// HTTP: control `ctrl` with account `acc1` pointing at `exec-01`, whose three
/// processing workflows are started, and whose archiving workflow
/// `ctrl/mcSynch_acc1` is paused (so the deployment is NOT READY), plus three
/// transactional events: one sent, one pending, one expired (batch).
enum DashboardSeed {
    static let missingText = "ctrl/mcSynch_acc1 is paused, needs started"

    static var notReady: [String] {
        let processing = ["batchEventsProcessing", "rtEventsProcessing", "updateEventStatus"]
        return [Fixtures.instance("ctrl", role: "control"), Fixtures.instance("exec-01"),
                Fixtures.line(type: "ExecutionAccountRegistered", data: ["control": "ctrl", "account": "acc1", "instance": "exec-01"])]
            + processing.flatMap { [Fixtures.workflow("Created", instance: "exec-01", workflow: $0),
                                    Fixtures.workflow("Started", instance: "exec-01", workflow: $0)] }
            + [Fixtures.workflow("Created", instance: "ctrl", workflow: "mcSynch_acc1"),
               Fixtures.workflow("Started", instance: "ctrl", workflow: "mcSynch_acc1"),
               Fixtures.workflow("Paused", instance: "ctrl", workflow: "mcSynch_acc1")]
            + ["pending", "pendingDelivery", "sent"].map { Fixtures.status($0, instance: "exec-01", eventId: "e-1") }
            + [Fixtures.status("pending", instance: "exec-01", eventId: "e-2")]
            + ["pending", "expired"].map { Fixtures.status($0, instance: "exec-01", eventId: "e-3", queue: "batch") }
    }

    /// The event that makes the deployment ready.
    static let fix = Fixtures.workflow("Started", instance: "ctrl", workflow: "mcSynch_acc1")

    /// Appends `lines` as one NDJSON request; returns the last position.
    @discardableResult
    static func append(_ lines: [String], to server: ServerHarness) async throws -> Int {
        let result = try await server.request(.post, "/v1/events", token: ServerHarness.appendToken,
                                              contentType: "application/x-ndjson", body: lines.joined(separator: "\n"))
        try #require(result.status == 201, "append failed: \(result.status) \(result.text)")
        return try #require(result.object?["lastPosition"]?.integerValue)
    }
}
