import Foundation
import Ledger
import LedgerTestSupport
import Testing

@Suite("History lines rendered from binary columns")
struct HistoryLinesTests {
    /// Strings that exercise every escape: quotes, backslashes, the short
    /// control escapes, other control characters, DEL, non-ASCII and U+2028.
    static let hostile = "q\"b\\s/\u{08}\u{0C}\n\r\t\u{01}\u{1F}\u{7F} é 日本 \u{2028} 🙂"

    static func seeded() async throws -> EventStore {
        let store = try await TestCluster.shared.freshDatabase().store()
        _ = try await store.append(lines: [
            Fixtures.instance("exec-01"),
            Fixtures.workflow("Created", instance: "exec-01", workflow: "rtEventsProcessing"),
            Fixtures.status("pending", instance: "exec-01", eventId: "e1"),
        ])
        let data = "{\"note\":\(JSONValue.quoted(hostile)),\"n\":1.50,\"big\":12345678901234567890,\"nested\":{\"a\":[true,null,\"\"]}}"
        let metadata = "{\"actor\":\(JSONValue.quoted(hostile))}"
        _ = try await store.append(lines: [
            "{\"type\":\"Odd_Type.v2\",\"stream\":\"test-\(UUID().uuidString)\",\"data\":\(data),\"metadata\":\(metadata)}",
            "{\"type\":\"Other\",\"stream\":\"test-plain\",\"data\":{}}",
        ], raw: true)
        for n in 2...30 {
            _ = try await store.append(lines: [Fixtures.status("pending", instance: "exec-01", eventId: "e\(n)")])
        }
        return store
    }

    @Test("every line is byte-identical to RecordedEvent.json, across pages and with filters")
    func linesEqualTheSwiftRendering() async throws {
        let store = try await Self.seeded()
        let filters: [HistoryFilter] = [
            HistoryFilter(),
            { var f = HistoryFilter(); f.afterPosition = 3; f.limit = 11; return f }(),
            { var f = HistoryFilter(); f.category = "rtEvent"; return f }(),
            { var f = HistoryFilter(); f.type = "Odd_Type.v2"; return f }(),
        ]
        for filter in filters {
            var expected: [String] = []
            try await store.read(filter, pageSize: 4) { page in
                expected += page.map(\.json)
                return true
            }
            for pageSize in [1, 4, 7, 1_000] {
                var lines: [String] = []
                try await store.readLines(filter, pageSize: pageSize) { page in
                    page.forEach { lines.append(String(decoding: $0, as: UTF8.self)) }
                    return true
                }
                #expect(lines == expected, "filter \(filter), page size \(pageSize)")
            }
            #expect(!expected.isEmpty)
        }
    }

    /// Timestamps the ledger's own appends never record, but a table owner
    /// could: BC, beyond year 9999, before PostgreSQL's epoch, infinite.
    static let farTimes = [
        "2000-01-01 00:00:00+00", "1999-12-31 23:59:59.999999+00", "1970-01-01 00:00:00+00",
        "1900-02-28 23:59:59.5+00", "2024-02-29 12:34:56.000001+00", "2100-03-01 00:00:00+00",
        "0001-01-01 00:00:00+00", "0001-12-31 23:59:59+00", "0001-12-31 23:59:59+00 BC",
        "0044-03-15 12:00:00+00 BC", "4714-11-24 00:00:00+00 BC", "9999-12-31 23:59:59.999999+00",
        "10000-01-01 00:00:00+00", "294276-12-31 23:59:59.999999+00", "infinity", "-infinity",
    ]

    @Test("recordedAt prints as to_char prints it, for every timestamp PostgreSQL can store")
    func farTimesPrintAsToChar() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let connection = try await database.connect()
        let rows = Self.farTimes.enumerated().map { index, time in
            "(\(index + 1), 'test-t\(index)', 1, gen_random_uuid(), 'T', '{}', '{}', '\(time)'::timestamptz, sha256(''::bytea))"
        }
        try await connection.executeScript(
            "INSERT INTO mcledger.events (position, stream, version, event_id, type, data, metadata, recorded_at, hash) VALUES "
                + rows.joined(separator: ", "))
        let store = EventStore(connection: connection)
        var expected: [String] = []
        try await store.read(HistoryFilter(), pageSize: 100) { page in
            expected += page.map(\.json)
            return true
        }
        var lines: [String] = []
        try await store.readLines(HistoryFilter(), pageSize: 5) { page in
            page.forEach { lines.append(String(decoding: $0, as: UTF8.self)) }
            return true
        }
        #expect(expected.count == Self.farTimes.count)
        #expect(lines == expected)
        for printed in ["10000-01-01T00:00:00.000000Z", "0001-12-31T23:59:59.000000Z", "4714-11-24T00:00:00.000000Z",
                        "1999-12-31T23:59:59.999999Z", ""] {
            #expect(lines.contains { $0.contains("\"recordedAt\":\"\(printed)\"") }, "\(printed)")
        }
        await connection.close()
    }

    @Test("stopping early stops reading")
    func stopsEarly() async throws {
        let store = try await Self.seeded()
        var pages = 0
        try await store.readLines(HistoryFilter(), pageSize: 5) { _ in
            pages += 1
            return pages < 2
        }
        #expect(pages == 2)
    }
}
