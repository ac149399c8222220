import Foundation
import Ledger
import LedgerTestSupport
import Testing

@Suite("mcledger readiness, counts, projections and demo")
struct ProjectionCLITests {
    @Test("demo seeds a deployment, names the one missing requirement, and appends nothing the second time")
    func demoIsIdempotent() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let first = try await CLI.run(["demo", "--events", "300"], database: database)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("0 already present"))
        #expect(first.stdout.contains("mc-control/mcSynch_exec03 is paused, needs started"), "\(first.stdout)")
        let second = try await CLI.run(["demo", "--events", "300"], database: database)
        #expect(second.status == 0)
        #expect(second.stdout.contains("mcledger demo: 0 events appended"), "\(second.stdout)")
        let readiness = try JSONValue.parse(try await CLI.run(["readiness", "--json"], database: database).stdout)
        #expect(readiness["ready"]?.boolValue == false)
        let instances = try #require(readiness["instances"]?.arrayValue)
        let exec3 = try #require(instances.first { $0["instance"]?.stringValue == "mc-exec-03" })
        let missing = try #require(exec3["missing"]?.arrayValue)
        #expect(missing.count == 1)
        #expect(missing.first?["workflow"]?.stringValue == "mcSynch_exec03")
        #expect(missing.first?["state"]?.stringValue == "paused")
        #expect(missing.first?["instance"]?.stringValue == "mc-control")
        #expect(try await CLI.run(["verify"], database: database).status == 0)
    }

    @Test("counts --json has every status key, zero included, overall, per instance and per queue")
    func countsJSON() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let lines = [Fixtures.status("pending", instance: "exec-01", eventId: "a"),
                     Fixtures.status("pending", instance: "exec-02", eventId: "b", queue: "batch")].joined(separator: "\n")
        _ = try await CLI.run(["append"], database: database, stdin: lines)
        let counts = try JSONValue.parse(try await CLI.run(["counts", "--json"], database: database).stdout)
        #expect(counts["position"]?.integerValue == 2)
        #expect(counts["total"]?.integerValue == 2)
        let statuses = ["pending", "pendingDelivery", "sent", "ignored", "deliveryFailed", "notTakenIntoAccount", "expired"]
        for key in statuses { #expect(counts["byStatus"]?[key]?.integerValue != nil, "byStatus.\(key)") }
        #expect(counts["byStatus"]?["pending"]?.integerValue == 2)
        #expect(counts["byInstance"]?["exec-02"]?["pending"]?.integerValue == 1)
        #expect(counts["byQueue"]?["batch"]?["pending"]?.integerValue == 1)
        #expect(counts["byQueue"]?["realtime"]?["sent"]?.integerValue == 0)
        let before = try JSONValue.parse(try await CLI.run(["counts", "--json", "--position", "1"], database: database).stdout)
        #expect(before["total"]?.integerValue == 1)
        let beyond = try await CLI.run(["counts", "--position", "99"], database: database)
        #expect(beyond.status == 64, "\(beyond.stderr)")
    }

    @Test("projections run follows appends live and stops cleanly on SIGTERM")
    func projectorStopsOnSigterm() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["projections", "run"]
        var environment = ProcessInfo.processInfo.environment
        environment["MCLEDGER_DATABASE_URL"] = database.conninfo
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        _ = try await CLI.run(["append"], database: database, stdin: Fixtures.status("pending", instance: "exec-01", eventId: "a"))
        let connection = try await database.connect()
        var checkpoint = 0
        for _ in 0..<50 where checkpoint < 1 {
            try await Task.sleep(for: .milliseconds(100))
            checkpoint = try await connection.execute("SELECT min(position) FROM mcledger.projection_checkpoints").int(0, 0) ?? 0
        }
        #expect(checkpoint == 1, "the running projector applied the new event")
        process.terminate() // SIGTERM
        for _ in 0..<50 where process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!process.isRunning)
        #expect(process.terminationStatus == 0)
    }
}

@Suite("Time parsing")
struct TimestampTests {
    @Test("RFC 3339 times keep microseconds and round-trip", arguments: [
        "2026-11-27T22:50:15.605881Z", "2026-11-27T22:50:15.000001Z", "2026-11-27T22:50:15Z", "2026-11-27T23:50:15.605881+01:00",
    ])
    func microseconds(_ text: String) throws {
        let date = try Timestamps.parse(text)
        let expected = text.hasSuffix("+01:00") ? "2026-11-27T22:50:15.605881Z"
            : text.hasSuffix(".000001Z") ? "2026-11-27T22:50:15.000001Z"
            : text.contains(".") ? text : "2026-11-27T22:50:15.000000Z"
        #expect(Timestamps.rfc3339(date) == expected)
    }

    @Test("rfc3339 prints what gmtime_r and printf print, from year 1 to past 9999")
    func printedLikeGmtime() {
        var generator = SystemRandomNumberGenerator()
        var seconds: [Double] = [0, -0.0000004, 1.9999996, 59.9999995, 951_782_400.25, 1_709_164_799.999999,
                                 -62_135_596_800, -62_135_596_800.5, 253_402_300_799.9999996, 253_402_300_800]
        for _ in 0..<2_000 {
            seconds.append(Double(Int64.random(in: -62_135_596_800...253_402_300_799, using: &generator))
                           + Double(Int.random(in: 0..<1_000_000, using: &generator)) / 1_000_000)
        }
        for value in seconds.map({ Date(timeIntervalSince1970: $0).timeIntervalSince1970 }) {
            var whole = floor(value)
            var micros = Int(((value - whole) * 1_000_000).rounded())
            if micros == 1_000_000 { whole += 1; micros = 0 }
            var time = time_t(whole)
            var parts = tm()
            gmtime_r(&time, &parts)
            let expected = String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
                                  Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                                  Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), micros)
            #expect(Timestamps.rfc3339(Date(timeIntervalSince1970: value)) == expected, "\(value) s")
        }
    }

    @Test("as-of the exact recordedAt of an event includes that event")
    func asOfExactTime() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        _ = try await CLI.run(["append"], database: database, stdin: Fixtures.status("pending", instance: "exec-01", eventId: "a"))
        let recorded = try JSONValue.parse(try await CLI.run(["history", "--format", "ndjson"], database: database).stdout)["recordedAt"]?.stringValue
        let counts = try JSONValue.parse(try await CLI.run(["counts", "--json", "--as-of", try #require(recorded)], database: database).stdout)
        #expect(counts["position"]?.integerValue == 1)
    }
}
