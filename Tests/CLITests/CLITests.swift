import Foundation
import Ledger
import LedgerTestSupport
import Testing

@Suite("mcledger command line")
struct CLITests {
    static let valid = [
        Fixtures.instance("exec-01"),
        Fixtures.workflow("Created", instance: "exec-01", workflow: "rtEventsProcessing"),
        Fixtures.workflow("Started", instance: "exec-01", workflow: "rtEventsProcessing"),
    ].joined(separator: "\n") + "\n"

    @Test("append prints the JSON summary; appending the same file again appends nothing")
    func appendSummary() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let lines = (0..<3).map { Fixtures.status("pending", instance: "exec-01", eventId: "e\($0)", id: UUID()) }.joined(separator: "\n") + "\n"
        let first = try await CLI.run(["append"], database: database, stdin: lines)
        #expect(first.status == 0, "\(first.stderr)")
        let summary = try JSONValue.parse(first.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(summary["appended"]?.integerValue == 3)
        #expect(summary["duplicates"]?.integerValue == 0)
        #expect(summary["firstPosition"]?.integerValue == 1)
        #expect(summary["lastPosition"]?.integerValue == 3)
        let again = try await CLI.run(["append", "-"], database: database, stdin: lines)
        let second = try JSONValue.parse(again.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(again.status == 0)
        #expect(second["appended"]?.integerValue == 0 && second["duplicates"]?.integerValue == 3)
    }

    @Test("append's summary counts the batches' transactions and says how long they took")
    func appendSummaryTimesTransactions() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let lines = (0..<5).map { Fixtures.status("pending", instance: "exec-01", eventId: "t\($0)", id: UUID()) }.joined(separator: "\n") + "\n"
        let run = try await CLI.run(["append", "--batch-size", "2"], database: database, stdin: lines)
        #expect(run.status == 0, "\(run.stderr)")
        let summary = try JSONValue.parse(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(summary["appended"]?.integerValue == 5)
        // Batches of 2, 2 and 1: three transactions, each sent and answered.
        #expect(summary["transactions"]?.integerValue == 3, "\(run.stdout)")
        let times = summary["transactionMs"]
        let p50 = try #require(times?["p50"]?.doubleValue, "\(run.stdout)")
        let p99 = try #require(times?["p99"]?.doubleValue, "\(run.stdout)")
        let longest = try #require(times?["max"]?.doubleValue, "\(run.stdout)")
        #expect(p50 > 0 && p50 <= p99 && p99 <= longest, "\(run.stdout)")
        // Nothing to append: no transaction, and no times.
        let empty = try await CLI.run(["append"], database: database, stdin: "\n")
        let none = try JSONValue.parse(empty.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(empty.status == 0 && none["transactions"]?.integerValue == 0 && none["transactionMs"] == nil, "\(empty.stdout)")
    }

    @Test("invalid input exits 65, names the line and the reason, and appends nothing", arguments: [
        ("{\"type\": \"InstanceRegistered\", \"data\": {\"instance\": \"x\", \"role\": \"execution\"", "line 2"),
        ("{\"type\": \"NoSuchType\", \"data\": {}}", "NoSuchType"),
        ("{\"type\": \"WorkflowStarted\", \"data\": {\"instance\": \"exec-01\"}}", "workflow"),
        ("{\"type\": \"InstanceRegistered\", \"data\": {\"instance\": \"bad name!\", \"role\": \"execution\"}}", "instance"),
        ("{\"type\": \"WorkflowPaused\", \"data\": {\"instance\": \"exec-01\", \"workflow\": \"never\"}}", "workflow-exec-01.never"),
        ("not json at all", "line 2"),
        ("{\"type\": \"InstanceRegistered\", \"data\": {\"instance\": \"" + String(repeating: "x", count: 1_100_000) + "\", \"role\": \"execution\"}}", "line 2"),
    ])
    func invalidInput(_ badLine: String, _ mention: String) async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let input = Fixtures.instance("exec-01") + "\n" + badLine + "\n" + Fixtures.instance("exec-02") + "\n"
        let result = try await CLI.run(["append"], database: database, stdin: input)
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.contains("line 2"), "\(result.stderr)")
        #expect(result.stderr.contains(mention), "\(result.stderr)")
        #expect(result.stderr.contains("0 line(s) before it were committed"), "\(result.stderr)")
        #expect(try await database.store().count() == 0)
    }

    @Test("an earlier full batch stays committed and is reported; the rejected batch is not")
    func committedBatchesAreReported() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let input = Self.valid + "{oops}\n"
        let result = try await CLI.run(["append", "--batch-size", "3"], database: database, stdin: input)
        #expect(result.status == 65)
        #expect(result.stderr.contains("line 4"))
        #expect(result.stderr.contains("3 line(s) before it were committed"), "\(result.stderr)")
        #expect(try await database.store().count() == 3)
    }

    @Test("a stale expectedVersion exits 75")
    func conflictExitCode() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let stale = Fixtures.line(type: "InstanceRegistered", data: ["instance": "exec-01", "role": "execution"], expectedVersion: 4)
        let result = try await CLI.run(["append"], database: database, stdin: stale + "\n")
        #expect(result.status == 75, "\(result.stderr)")
        #expect(result.stderr.contains("instance-exec-01") && result.stderr.contains("expected version 4"))
    }

    @Test("an unreachable database exits 69; bad usage exits 64")
    func unavailableAndUsage() async throws {
        let down = try await CLI.run(["history", "--database-url", "host=/nonexistent-mcledger port=1"])
        #expect(down.status == 69, "\(down.stderr)")
        let usage = try await CLI.run(["history", "--format", "yaml"])
        #expect(usage.status == 64)
        let badTime = try await CLI.run(["history", "--since", "yesterday", "--database-url", "host=/nonexistent-mcledger"])
        #expect(badTime.status == 64, "\(badTime.stderr)")
    }

    @Test("history: ndjson, json, csv and filters")
    func historyFormats() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        _ = try await CLI.run(["append"], database: database, stdin: Self.valid)
        let ndjson = try await CLI.run(["history", "--format", "ndjson"], database: database)
        let lines = ndjson.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        let first = try JSONValue.parse(String(lines[0]))
        for key in ["position", "stream", "version", "eventId", "type", "data", "metadata", "recordedAt", "hash"] {
            #expect(first[key] != nil, "missing \(key)")
        }
        #expect(first["hash"]?.stringValue?.count == 64)
        let json = try JSONValue.parse(try await CLI.run(["history", "--format", "json", "--after-position", "1"], database: database).stdout)
        #expect(json.arrayValue?.count == 2)
        let stream = try await CLI.run(["history", "--format", "ndjson", "--stream", "workflow-exec-01.rtEventsProcessing", "--limit", "1"], database: database)
        #expect(stream.stdout.split(separator: "\n").count == 1)
        let category = try await CLI.run(["history", "--format", "ndjson", "--category", "workflow", "--type", "WorkflowStarted"], database: database)
        #expect(category.stdout.split(separator: "\n").count == 1)
        let csv = try await CLI.run(["history", "--format", "csv", "--instance", "exec-01"], database: database)
        #expect(csv.stdout.hasPrefix("position,stream,version,eventId,type,data,metadata,recordedAt,hash\n"))
        #expect(csv.stdout.split(separator: "\n").count == 4)
        let none = try await CLI.run(["history", "--format", "json", "--since", "2999-01-01T00:00:00Z"], database: database)
        #expect(none.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
    }

    @Test("verify: ok, --digest, exit 1 after a superuser edit, and --against after a truncated tail")
    func verifyExitCodes() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        _ = try await CLI.run(["append"], database: database, stdin: Self.valid)
        let ok = try await CLI.run(["verify"], database: database)
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        let digest = try await CLI.run(["verify", "--digest"], database: database).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(digest.hasPrefix("3:") && digest.count == 2 + 64)
        let connection = try await database.connect()
        try await connection.executeScript("""
            ALTER TABLE mcledger.events DISABLE TRIGGER USER;
            DELETE FROM mcledger.events WHERE position = 3;
            ALTER TABLE mcledger.events ENABLE ALWAYS TRIGGER events_refuse_update_delete;
            """)
        let truncated = try await CLI.run(["verify", "--against", digest], database: database)
        #expect(truncated.status == 1, "\(truncated.stdout)")
        try await connection.executeScript("""
            ALTER TABLE mcledger.events DISABLE TRIGGER USER;
            UPDATE mcledger.events SET data = '{"instance": "exec-01", "role": "minimal"}' WHERE position = 1;
            ALTER TABLE mcledger.events ENABLE ALWAYS TRIGGER events_refuse_update_delete;
            """)
        let edited = try await CLI.run(["verify", "--json"], database: database)
        #expect(edited.status == 1)
        let report = try JSONValue.parse(edited.stdout)
        #expect(report["ok"]?.boolValue == false)
        #expect(report["firstBadPosition"]?.integerValue == 1)
    }
}

@Suite("mcledger command line: time travel edges")
struct CLITimeTravelTests {
    @Test("--as-of before the first event answers for position 0 (regression: it crashed on the empty result)")
    func asOfBeforeFirstEvent() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        _ = try await CLI.run(["append"], database: database, stdin: CLITests.valid)
        for command in ["readiness", "counts"] {
            let result = try await CLI.run([command, "--json", "--as-of", "2000-01-01T00:00:00Z"], database: database)
            #expect(result.status == 0, "\(command): \(result.stderr)")
            let answer = try JSONValue.parse(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(answer["position"]?.integerValue == 0)
        }
    }
}
