import Foundation
import Ledger
import LedgerTestSupport
import Testing

/// Issue 6, item 4: a superuser disables the immutability triggers and alters
/// the ledger; the real `mcledger verify` must exit 1 and name the first bad
/// position, in text and in `--json`, with and without `--against` an earlier
/// digest printed by `mcledger verify --digest`.
@Suite("Tampering campaign through mcledger verify")
struct TamperCampaignCLITests {
    /// Positions 1...12, then the digest is taken, then 13...15.
    static let before = [
        Fixtures.instance("exec-01"),
        Fixtures.workflow("Created", instance: "exec-01", workflow: "rtEventsProcessing"),
        Fixtures.workflow("Started", instance: "exec-01", workflow: "rtEventsProcessing"),
        Fixtures.workflow("Created", instance: "exec-01", workflow: "batchEventsProcessing"),
        Fixtures.status("pending", instance: "exec-01", eventId: "ev-1"),
        Fixtures.workflow("Started", instance: "exec-01", workflow: "batchEventsProcessing"),
        Fixtures.status("pendingDelivery", instance: "exec-01", eventId: "ev-1"),
        Fixtures.workflow("Created", instance: "exec-01", workflow: "updateEventStatus"),
        Fixtures.status("pending", instance: "exec-01", eventId: "ev-2"),
        Fixtures.workflow("Started", instance: "exec-01", workflow: "updateEventStatus"),
        Fixtures.status("sent", instance: "exec-01", eventId: "ev-1"),
        Fixtures.status("pendingDelivery", instance: "exec-01", eventId: "ev-2"),
    ]
    static let after = [
        Fixtures.status("pending", instance: "exec-01", eventId: "ev-3"),
        Fixtures.instance("exec-02"),
        Fixtures.status("sent", instance: "exec-01", eventId: "ev-2"),
    ]

    /// Recomputes every stored hash from the (altered) rows: what a careful
    /// forger does after an edit so that the chain alone verifies again.
    static let rechain = """
        UPDATE mcledger.events e SET hash = c.hash FROM (
            SELECT position, mcledger.hash_chain(mcledger.genesis_hash(),
                       mcledger.canonical_bytes(position, stream, version, event_id, type, data, metadata, recorded_at))
                   OVER (ORDER BY position ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS hash
            FROM mcledger.events) c
        WHERE e.position = c.position
        """

    /// One alteration: its SQL, the first bad position verify must name, and
    /// whether verify must catch it without a digest (projections caught up).
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let sql: String
        let firstBad: Int
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        // One byte: 'exec-01' becomes 'exec-02' inside a data string.
        Case(name: "one byte of a payload", sql: "UPDATE mcledger.events SET data = replace(data::text, 'exec-01', 'exec-02')::jsonb WHERE position = 5", firstBad: 5),
        // One byte of the last event of a workflow stream, then the chain recomputed.
        Case(name: "one byte of a payload, then every hash recomputed", sql: "UPDATE mcledger.events SET data = replace(data::text, 'updateEventStatus', 'updateEventStatuz')::jsonb WHERE position = 10; " + rechain, firstBad: 10),
        Case(name: "a recorded_at", sql: "UPDATE mcledger.events SET recorded_at = recorded_at + interval '1 microsecond' WHERE position = 6", firstBad: 6),
        Case(name: "a middle row deleted", sql: "DELETE FROM mcledger.events WHERE position = 7", firstBad: 7),
        Case(name: "the tail deleted", sql: "DELETE FROM mcledger.events WHERE position > 10", firstBad: 11),
        Case(name: "two rows reordered", sql: "UPDATE mcledger.events SET position = 1000 WHERE position = 3; UPDATE mcledger.events SET position = 3 WHERE position = 8; UPDATE mcledger.events SET position = 8 WHERE position = 1000", firstBad: 3),
        Case(name: "the table truncated", sql: "TRUNCATE mcledger.events", firstBad: 1),
    ]

    /// A ledger of 15 events with caught-up projections, and the digest
    /// `mcledger verify --digest` printed at position 12.
    static func seeded() async throws -> (TestDatabase, String) {
        let database = try await TestCluster.shared.freshDatabase()
        let first = try await CLI.run(["append"], database: database, stdin: before.joined(separator: "\n") + "\n")
        #expect(first.status == 0, "\(first.stderr)")
        let digest = try await CLI.run(["verify", "--digest"], database: database)
        #expect(digest.status == 0, "\(digest.stderr)")
        let text = digest.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(text.hasPrefix("12:") && text.count == 3 + 64, "\(text)")
        let second = try await CLI.run(["append"], database: database, stdin: after.joined(separator: "\n") + "\n")
        #expect(second.status == 0, "\(second.stderr)")
        // Answers at the head bring the projections up to it (as the projector would).
        #expect(try await CLI.run(["readiness", "--json"], database: database).status == 0)
        #expect(try await CLI.run(["counts", "--json"], database: database).status == 0)
        let clean = try await CLI.run(["verify", "--against", text], database: database)
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        return (database, text)
    }

    @Test("verify exits 1 and names the first bad position, with and without --against", arguments: cases)
    func alterationIsDetected(_ alteration: Case) async throws {
        let (database, digest) = try await Self.seeded()
        try await database.tamper(alteration.sql)

        let text = try await CLI.run(["verify"], database: database)
        #expect(text.status == 1, "\(text.stdout)\(text.stderr)")
        #expect(text.stdout.contains("ALTERED"), "\(text.stdout)")
        #expect(text.stdout.contains("first bad position: \(alteration.firstBad)\n"), "\(text.stdout)")

        let json = try await CLI.run(["verify", "--json"], database: database)
        #expect(json.status == 1)
        let report = try JSONValue.parse(json.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(report["ok"]?.boolValue == false)
        #expect(report["firstBadPosition"]?.integerValue == alteration.firstBad, "\(json.stdout)")

        let against = try await CLI.run(["verify", "--json", "--against", digest], database: database)
        #expect(against.status == 1)
        let checked = try JSONValue.parse(against.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(checked["firstBadPosition"]?.integerValue == alteration.firstBad, "\(against.stdout)")
        let kinds = checked["problems"]?.arrayValue?.compactMap { $0["kind"]?.stringValue } ?? []
        // Every alteration here touches a position at or before the digest's (12):
        // the digest check itself must fail too.
        #expect(kinds.contains("digest"), "\(against.stdout)")
    }

    @Test("a recomputed chain verifies as a chain; the projections and the digest still catch the edit")
    func rechainedEditIsCaughtByProjectionAndDigest() async throws {
        let (database, digest) = try await Self.seeded()
        try await database.tamper(Self.cases[1].sql)
        let json = try await CLI.run(["verify", "--json"], database: database)
        let report = try JSONValue.parse(json.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let kinds = report["problems"]?.arrayValue?.compactMap { $0["kind"]?.stringValue } ?? []
        #expect(!kinds.contains("hash"), "the forger recomputed the chain: \(json.stdout)")
        #expect(kinds == ["projection"], "\(json.stdout)")
        let against = try await CLI.run(["verify", "--against", digest], database: database)
        #expect(against.status == 1)
        #expect(against.stdout.contains("does not extend digest"), "\(against.stdout)")
    }

    @Test("a deleted tail is named as a truncation when the projections had seen it")
    func deletedTailIsNamedFromTheCheckpoints() async throws {
        let (database, _) = try await Self.seeded()
        try await database.tamper("DELETE FROM mcledger.events WHERE position > 13")
        let result = try await CLI.run(["verify"], database: database)
        #expect(result.status == 1)
        #expect(result.stdout.contains("[truncation]"), "\(result.stdout)")
        #expect(result.stdout.contains("ends at position 13: events 14...15 were removed"), "\(result.stdout)")
        // position 14 was exec-02's registration: the readiness projection names it.
        #expect(result.stdout.contains("stream 'instance-exec-02' at position 14"), "\(result.stdout)")
    }
}
