import Foundation
import Ledger
import LedgerTestSupport
import Projections
import Testing

/// `mcledger.last_position_at` and `mcledger.first_position_from`: binary
/// searches over positions that replace the index on recorded_at (migration
/// 004). Every answer is checked against the time condition it replaces.
@Suite("Positions by time")
struct PositionByTimeTests {
    /// One appended batch: its positions and the recorded_at they share.
    struct Batch {
        let first: Int
        let last: Int
        let recordedAt: String
    }

    /// The two lookups for one time.
    struct Lookup: Equatable, CustomStringConvertible {
        let last: Int
        let first: Int
        var description: String { "last_position_at \(last), first_position_from \(first)" }
    }

    /// Batch sizes of the small ledger: runs of equal times of several lengths, one of length 1.
    static let batchSizes = [3, 1, 4, 2, 5]
    /// Pause between batches, so that each batch has its own recorded_at
    /// (a batch appended within the previous one's microsecond would share it).
    static let pauseBetweenBatches = Duration.milliseconds(2)

    /// `count` events, streams alternating between the `test` and `note` categories.
    static func lines(_ count: Int, batch: Int) -> [String] {
        (0..<count).map { n in
            let category = n.isMultiple(of: 2) ? "test" : "note"
            return "{\"type\":\"Note\",\"stream\":\"\(category)-\(batch)-\(n)\",\"data\":{\"n\":\(n)}}"
        }
    }

    /// Appends one batch per size to `store`, each with its own recorded_at.
    static func append(_ sizes: [Int], to store: EventStore) async throws -> [Batch] {
        var batches: [Batch] = []
        for (index, size) in sizes.enumerated() {
            if index > 0 { try await Task.sleep(for: pauseBetweenBatches) }
            let outcome = try await store.append(lines: lines(size, batch: index), raw: true)
            batches.append(Batch(first: try #require(outcome.firstPosition), last: try #require(outcome.lastPosition),
                                 recordedAt: try #require(outcome.recordedAt)))
        }
        try #require(Set(batches.map(\.recordedAt)).count == batches.count, "every batch has its own recorded_at")
        return batches
    }

    static func seeded(_ sizes: [Int] = batchSizes) async throws -> (TestDatabase, EventStore, [Batch]) {
        let database = try await TestCluster.shared.freshDatabase()
        let store = try await database.store()
        return (database, store, try await append(sizes, to: store))
    }

    /// Both lookups for `time` shifted by `shift` (an interval, e.g. `-1 microsecond`).
    static func lookup(_ store: EventStore, _ time: String, _ shift: String = "0") async throws -> Lookup {
        let result = try await store.connection.execute(
            "SELECT mcledger.last_position_at(t), mcledger.first_position_from(t) FROM (SELECT $1::timestamptz + $2::interval AS t) x",
            [.text(time), .text(shift)])
        return Lookup(last: result.int(0, 0) ?? -1, first: result.int(0, 1) ?? -1)
    }

    /// `time` shifted by `shift`, in the canonical form.
    static func shifted(_ store: EventStore, _ time: String, _ shift: String) async throws -> String {
        try #require(try await store.connection.execute(
            "SELECT mcledger.canonical_time($1::timestamptz + $2::interval)", [.text(time), .text(shift)]).string(0, 0))
    }

    /// Each disagreement between the lookups and the time conditions they
    /// replace, for every time at, just before and just after each distinct
    /// recorded_at, and for -infinity and infinity. A lookup agrees when, as a
    /// position bound, it selects exactly the events the time condition
    /// selects; `exact` also asks for the documented values (the last position
    /// at or before, 0 when none; the first at or after, head + 1 when none),
    /// which on a gapless ledger are the only bounds that agree.
    static func disagreements(_ store: EventStore, exact: Bool = true) async throws -> (checked: Int, wrong: [String]) {
        let result = try await store.connection.execute("""
            WITH probes AS (
                SELECT DISTINCT e.recorded_at + d.shift AS t
                FROM mcledger.events e
                CROSS JOIN (VALUES (interval '-1 microsecond'), (interval '0'), (interval '1 microsecond')) d(shift)
                UNION SELECT '-infinity'::timestamptz
                UNION SELECT 'infinity'::timestamptz
            ),
            answers AS (
                SELECT p.t,
                       mcledger.last_position_at(p.t) AS last,
                       (SELECT coalesce(max(e.position), 0) FROM mcledger.events e WHERE e.recorded_at <= p.t) AS expected_last,
                       mcledger.first_position_from(p.t) AS first,
                       (SELECT coalesce(min(e.position), (SELECT coalesce(max(h.position), 0) + 1 FROM mcledger.events h))
                        FROM mcledger.events e WHERE e.recorded_at >= p.t) AS expected_first
                FROM probes p
            )
            SELECT count(*) OVER (),
                   CASE WHEN EXISTS (SELECT 1 FROM mcledger.events e
                                     WHERE (e.position <= a.last) <> (e.recorded_at <= a.t)
                                        OR (e.position >= a.first) <> (e.recorded_at >= a.t))
                          OR ($1::boolean AND (a.last <> a.expected_last OR a.first <> a.expected_first))
                        THEN a.t::text || ': last ' || a.last || ' (expected ' || a.expected_last || '), first '
                             || a.first || ' (expected ' || a.expected_first || ')' END
            FROM answers a
            """, [.text(exact ? "true" : "false")])
        let wrong = (0..<result.count).compactMap { result.string($0, 1) }
        return (result.int(0, 0) ?? 0, wrong)
    }

    @Test("boundaries: empty ledger, before the first event, exactly a batch's time, between batches, after the last")
    func boundaries() async throws {
        let empty = try await TestCluster.shared.freshDatabase().store()
        for time in ["-infinity", "2026-01-01T00:00:00Z", "infinity"] {
            #expect(try await Self.lookup(empty, time) == Lookup(last: 0, first: 1), "empty ledger, \(time)")
        }
        #expect(try await empty.position(asOf: Date()) == 0)

        let (_, store, batches) = try await Self.seeded()
        let head = try #require(batches.last).last
        #expect(head == Self.batchSizes.reduce(0, +))
        #expect(try await Self.lookup(store, "-infinity") == Lookup(last: 0, first: 1))
        #expect(try await Self.lookup(store, batches[0].recordedAt, "-1 microsecond") == Lookup(last: 0, first: 1), "just before the first event")
        for batch in batches {
            // Exactly the batch's time: all of its events are at or before it, and its first is the first at or after it.
            #expect(try await Self.lookup(store, batch.recordedAt) == Lookup(last: batch.last, first: batch.first),
                    "exactly \(batch.recordedAt), positions \(batch.first)...\(batch.last)")
            #expect(try await Self.lookup(store, batch.recordedAt, "-1 microsecond") == Lookup(last: batch.first - 1, first: batch.first),
                    "just before \(batch.recordedAt)")
            // Between this batch and the next (or after the last).
            #expect(try await Self.lookup(store, batch.recordedAt, "1 microsecond") == Lookup(last: batch.last, first: batch.last + 1),
                    "just after \(batch.recordedAt)")
        }
        for (earlier, later) in zip(batches, batches.dropFirst()) {
            let between = try #require(try await store.connection.execute(
                "SELECT mcledger.canonical_time($1::timestamptz + ($2::timestamptz - $1::timestamptz) / 2)",
                [.text(earlier.recordedAt), .text(later.recordedAt)]).string(0, 0))
            #expect(try await Self.lookup(store, between) == Lookup(last: earlier.last, first: later.first), "midway, \(between)")
        }
        #expect(try await Self.lookup(store, "infinity") == Lookup(last: head, first: head + 1), "after the last event")
    }

    @Test("ledgers of 16 sizes up to 70 events: both lookups equal the time conditions, also with rows deleted")
    func equalTheTimeConditions() async throws {
        // Sizes that make the search meet runs of equal times on both sides of its midpoints.
        let sizes = [1, 1, 3, 2, 7, 1, 4, 16, 5, 2, 1, 9, 3, 1, 8, 6]
        let database = try await TestCluster.shared.freshDatabase()
        let store = try await database.store()
        var heads: [Int] = []
        for (index, size) in sizes.enumerated() {
            if index > 0 { try await Task.sleep(for: Self.pauseBetweenBatches) }
            let outcome = try await store.append(lines: Self.lines(size, batch: index), raw: true)
            heads.append(try #require(outcome.lastPosition))
            let (checked, wrong) = try await Self.disagreements(store)
            #expect(checked >= 2 + index + 1)
            #expect(wrong.isEmpty, "head \(heads.last ?? 0): \(wrong)")
        }
        // The search relies on positions being ordered, not gapless: rows
        // deleted behind the triggers' back (verify reports it) leave the
        // answers still exactly the time conditions.
        try await database.tamper("DELETE FROM mcledger.events WHERE position IN (1, 5, 20, 21, 22, 23, 40, \(heads.last ?? 0))")
        let (checked, wrong) = try await Self.disagreements(store, exact: false)
        #expect(checked > 10)
        #expect(wrong.isEmpty, "with gaps: \(wrong)")
    }

    @Test("as-of and history by time answer exactly as the time conditions they replace")
    func answersUnchanged() async throws {
        let (_, store, batches) = try await Self.seeded()
        let reader = ProjectionReader(store: store)
        var texts = ["2000-01-01T00:00:00Z", "2999-01-01T00:00:00Z"]
        for batch in batches {
            texts += [try await Self.shifted(store, batch.recordedAt, "-1 microsecond"), batch.recordedAt,
                      try await Self.shifted(store, batch.recordedAt, "1 microsecond")]
        }
        let times = try texts.map { (text: String) throws(LedgerError) in try Timestamps.parse(text) }

        for (text, time) in zip(texts, times) {
            // The statement position(asOf:) and ProjectionReader ran before migration 004.
            let indexed = try await store.connection.execute(
                "SELECT position FROM mcledger.events WHERE recorded_at <= $1 ORDER BY recorded_at DESC, position DESC LIMIT 1",
                [.timestamptz(time)]).int(0, 0) ?? 0
            #expect(try await store.position(asOf: time) == indexed, "position(asOf: \(text))")
            #expect(try await reader.counts(at: .time(time)).position == indexed, "counts as of \(text)")
            #expect(try await reader.readiness(at: .time(time)).position == indexed, "readiness as of \(text)")
        }

        let bounds: [Date?] = [nil] + times
        for category in [nil, "note"] as [String?] {
            for since in bounds {
                for until in bounds {
                    var filter = HistoryFilter()
                    filter.category = category
                    filter.since = since
                    filter.until = until
                    // The conditions HistoryFilter bound before migration 004.
                    var conditions = ["true"]
                    var parameters: [SQLParameter] = []
                    if let category {
                        parameters += [.text(category + "-"), .text(category + ".")]
                        conditions.append("stream >= $\(parameters.count - 1) AND stream < $\(parameters.count)")
                    }
                    if let since { parameters.append(.timestamptz(since)); conditions.append("recorded_at >= $\(parameters.count)") }
                    if let until { parameters.append(.timestamptz(until)); conditions.append("recorded_at <= $\(parameters.count)") }
                    let result = try await store.connection.execute(
                        "SELECT position FROM mcledger.events WHERE \(conditions.joined(separator: " AND ")) ORDER BY position", parameters)
                    let expected = (0..<result.count).compactMap { result.int($0, 0) }

                    var read: [Int] = []
                    try await store.read(filter, pageSize: 2) { page in
                        read += page.map(\.position)
                        return true
                    }
                    var lines: [Int] = []
                    try await store.readLines(filter, pageSize: 3) { page in
                        page.forEach { lines.append((try? JSONValue.parse(Array($0)))?["position"]?.integerValue ?? -1) }
                        return true
                    }
                    let context = "category \(category ?? "-"), since \(since.map(Timestamps.rfc3339) ?? "-"), until \(until.map(Timestamps.rfc3339) ?? "-")"
                    #expect(read == expected, "read, \(context)")
                    #expect(lines == expected, "readLines, \(context)")
                }
            }
        }
    }

    @Test("migrated: the recorded_at index is gone; an as-of lookup and a history read by time scan no table")
    func noIndexNoTableScan() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let store = try await database.store()
        let indexes = try await store.connection.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'mcledger' AND tablename = 'events' ORDER BY 1")
        #expect((0..<indexes.count).compactMap { indexes.string($0, 0) } == ["events_event_id_key", "events_pkey", "events_stream_version_key"])
        let migration = try await store.connection.execute("SELECT name FROM mcledger.schema_migrations WHERE version = 4")
        #expect(migration.string(0, 0) == "004_drop_recorded_at_index.sql")

        // A ledger of many pages, with statistics, where a scan would show.
        let batches = try await Self.append(Array(repeating: 250, count: 20), to: store)
        let head = try #require(batches.last).last
        try await store.connection.execute("ANALYZE mcledger.events")
        let pages = try await store.connection.execute("SELECT relpages FROM pg_class WHERE oid = 'mcledger.events'::regclass").int(0, 0) ?? 0
        #expect(pages > 50)

        // Scan counters of the events table, before and after, inside one
        // transaction (pg_stat_xact_user_tables also holds earlier
        // transactions' counts until the backend reports them, never within one).
        func scans() async throws -> (sequential: Int, index: Int) {
            let result = try await store.connection.execute(
                "SELECT seq_scan, idx_scan FROM pg_stat_xact_user_tables WHERE relid = 'mcledger.events'::regclass")
            return (result.int(0, 0) ?? -1, result.int(0, 1) ?? -1)
        }
        try await store.connection.execute("BEGIN")
        let before = try await scans()
        let asOf = try await store.position(asOf: try Timestamps.parse(batches[7].recordedAt))
        #expect(asOf == batches[7].last)
        let afterAsOf = try await scans()
        var positions: [Int] = []
        var filter = HistoryFilter()
        filter.since = try Timestamps.parse(batches[3].recordedAt)
        filter.until = try Timestamps.parse(batches[5].recordedAt)
        try await store.read(filter) { page in
            positions += page.map(\.position)
            return true
        }
        #expect(positions == Array(batches[3].first...batches[5].last))
        let afterHistory = try await scans()
        try await store.connection.execute("ROLLBACK")
        // A search is at most log2(head) + 2 probes; the history read is two
        // searches and its page scans of the primary key.
        let probes = Int(log2(Double(head)).rounded(.up)) + 2
        #expect(afterHistory.sequential == before.sequential, "sequential scans of mcledger.events")
        #expect(afterAsOf.index - before.index <= probes, "index scans of one as-of lookup: \(afterAsOf.index - before.index)")
        #expect(afterHistory.index - afterAsOf.index <= 2 * probes + 2, "index scans of the history read: \(afterHistory.index - afterAsOf.index)")
    }

    @Test("every role that reads events may call both lookups", arguments: ["mcledger_read", "mcledger_append", "mcledger_admin"])
    func readersMayCall(_ role: String) async throws {
        let (database, _, batches) = try await Self.seeded([2, 3])
        let connection = try await database.connect(as: role)
        let result = try await connection.execute(
            "SELECT mcledger.last_position_at($1::timestamptz), mcledger.first_position_from($1::timestamptz)", [.text(batches[1].recordedAt)])
        #expect(result.int(0, 0) == 5)
        #expect(result.int(0, 1) == 3)
        await connection.close()
    }
}
