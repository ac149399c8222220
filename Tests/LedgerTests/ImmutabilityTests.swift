import Foundation
import Ledger
import LedgerTestSupport
import Testing

@Suite("Immutability and least privilege")
struct ImmutabilityTests {
    static let changes = [
        "UPDATE mcledger.events SET type = 'X'",
        "DELETE FROM mcledger.events WHERE position = 1",
        "TRUNCATE mcledger.events",
    ]

    @Test("each role is refused UPDATE, DELETE, TRUNCATE and direct INSERT", arguments: ["mcledger_read", "mcledger_append", "mcledger_admin"])
    func rolesAreRefused(_ role: String) async throws {
        let database = try await TestCluster.shared.freshDatabase()
        _ = try await database.store().append(lines: [Fixtures.instance("exec-01")])
        let connection = try await database.connect(as: role)
        for sql in Self.changes + ["INSERT INTO mcledger.events SELECT * FROM mcledger.events"] {
            let error = await #expect(throws: LedgerError.self, "\(role): \(sql)") { try await connection.execute(sql) }
            #expect(error?.details["sqlstate"] == "42501", "\(role): \(sql): \(error?.message ?? "")")
        }
        #expect(try await connection.execute("SELECT count(*) FROM mcledger.events").int(0, 0) == 1)
    }

    @Test("the append role appends through the write path; the read role cannot append")
    func appendRoleUsesTheWritePath() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let appender = EventStore(connection: try await database.connect(as: "mcledger_append"))
        #expect(try await appender.append(lines: [Fixtures.instance("exec-01")]).positions == [1])
        let reader = EventStore(connection: try await database.connect(as: "mcledger_read"))
        let error = await #expect(throws: LedgerError.self) { try await reader.append(lines: [Fixtures.instance("exec-02")]) }
        #expect(error?.details["sqlstate"] == "42501")
    }

    @Test("the owner and superuser are refused by the triggers, even as a replica session", arguments: changes)
    func ownerIsRefused(_ sql: String) async throws {
        let database = try await TestCluster.shared.freshDatabase()
        _ = try await database.store().append(lines: [Fixtures.instance("exec-01")])
        let connection = try await database.connect()
        let error = await #expect(throws: LedgerError.self) { try await connection.execute(sql) }
        #expect(error?.details["sqlstate"] == "MLRO1")
        try await connection.execute("SET session_replication_role = replica")
        let replica = await #expect(throws: LedgerError.self) { try await connection.execute(sql) }
        #expect(replica?.details["sqlstate"] == "MLRO1")
        #expect(try await connection.execute("SELECT count(*) FROM mcledger.events").int(0, 0) == 1)
    }
}

@Suite("Tamper detection")
struct TamperTests {
    static func seeded() async throws -> (TestDatabase, EventStore) {
        let database = try await TestCluster.shared.freshDatabase()
        let store = try await database.store()
        for n in 0..<5 {
            _ = try await store.append(lines: [
                Fixtures.status("pending", instance: "exec-01", eventId: "e\(n)"),
                Fixtures.status("pendingDelivery", instance: "exec-01", eventId: "e\(n)"),
            ])
        }
        return (database, store)
    }

    @Test("a superuser edit with triggers disabled is detected and the first bad position named", arguments: [
        ("UPDATE mcledger.events SET data = jsonb_set(data, '{to}', '\"sent\"') WHERE position = 4", 4),
        ("UPDATE mcledger.events SET recorded_at = recorded_at + interval '1 microsecond' WHERE position = 6", 6),
        ("DELETE FROM mcledger.events WHERE position = 5", 5),
        ("UPDATE mcledger.events SET position = 1000 WHERE position = 3; UPDATE mcledger.events SET position = 3 WHERE position = 7; UPDATE mcledger.events SET position = 7 WHERE position = 1000", 3),
    ])
    func editsAreDetected(_ sql: String, _ firstBad: Int) async throws {
        let (database, store) = try await Self.seeded()
        #expect(try await Verifier(store: store).verify().ok)
        try await database.tamper(sql)
        let report = try await Verifier(store: store).verify()
        #expect(!report.ok)
        #expect(report.firstBadPosition == firstBad, "\(report.problems)")
    }

    @Test("a truncated tail or a truncated table is detected against an earlier digest", arguments: [
        "DELETE FROM mcledger.events WHERE position > 8",
        "TRUNCATE mcledger.events",
    ])
    func truncationIsDetectedAgainstADigest(_ sql: String) async throws {
        let (database, store) = try await Self.seeded()
        let digest = try #require(try await store.head())
        try await database.tamper(sql)
        #expect(try await Verifier(store: store).verify().ok, "without a digest, a clean truncation looks like a shorter ledger")
        let report = try await Verifier(store: store).verify(against: digest)
        #expect(!report.ok)
        #expect(report.problems.contains { $0.kind == "digest" })
    }

    @Test("a digest of an earlier point still verifies after more appends")
    func digestIsExtended() async throws {
        let (_, store) = try await Self.seeded()
        let digest = try #require(try await store.head())
        _ = try await store.append(lines: [Fixtures.status("sent", instance: "exec-01", eventId: "e1")])
        #expect(try await Verifier(store: store).verify(against: digest).ok)
        var wrong = digest
        wrong.hash[0] ^= 1
        #expect(!(try await Verifier(store: store).verify(against: wrong).ok))
    }
}
