import Foundation
import Ledger
import LedgerTestSupport
import Testing

@Suite("History lines rendered by PostgreSQL")
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
