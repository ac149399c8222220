import Foundation

/// Limits of reads.
public enum ReadLimits {
    /// Events fetched per round trip when streaming history (keyset pages on position).
    public static let pageSize = 5_000
    /// History lines fetched per round trip by ``EventStore/readLines(_:pageSize:_:)``.
    public static let linePageSize = 20_000
}

extension EventStore {
    /// The select list every read uses: fields exactly as the hash chain sees them.
    static let recordColumns = """
        position, stream, version, event_id::text, type, data::text, metadata::text,
        to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), hash
        """

    /// Reads the events that match `filter` in position order, one page at a
    /// time, calling `body` for each page. Memory stays bounded by one page,
    /// however large the ledger. Each page is a separate statement, so a long
    /// read holds no snapshot open; positions are gapless and only ever
    /// appended, so keyset paging neither skips nor repeats an event.
    /// `body` returns false to stop early.
    public func read(_ filter: HistoryFilter, pageSize: Int = ReadLimits.pageSize, _ body: ([RecordedEvent]) async throws -> Bool) async throws {
        var after = filter.afterPosition ?? 0
        var remaining = filter.limit ?? Int.max
        while remaining > 0 {
            let take = min(pageSize, remaining)
            let page = try await self.page(filter, after: after, limit: take)
            guard let last = page.last else { return }
            remaining -= page.count
            after = last.position
            guard try await body(page) else { return }
            if page.count < take { return }
        }
    }

    /// One keyset page: up to `limit` events matching `filter` (its
    /// `afterPosition` and `limit` ignored) with a position greater than `after`.
    public func page(_ filter: HistoryFilter, after: Int, limit: Int) async throws(LedgerError) -> [RecordedEvent] {
        let (conditions, parameters) = filter.conditions()
        let cursorIndex = parameters.count + 1
        let where_ = (conditions + ["position > $\(cursorIndex)"]).joined(separator: " AND ")
        let sql = "SELECT \(Self.recordColumns) FROM mcledger.events WHERE \(where_) ORDER BY position LIMIT $\(cursorIndex + 1)"
        return Self.records(try await connection.execute(sql, parameters + [.int8(after), .int8(limit)]))
    }

    /// Like ``read(_:pageSize:_:)``, but each page is the events' history
    /// lines (``RecordedEvent/json``, see ``HistoryLines``): the fast path of
    /// `history --format ndjson` and of the HTTP NDJSON stream. The next page is
    /// fetched while `body` handles the current one.
    public func readLines(_ filter: HistoryFilter, pageSize: Int = ReadLimits.linePageSize, _ body: (HistoryLines) async throws -> Bool) async throws {
        var after = filter.afterPosition ?? 0
        var remaining = filter.limit ?? Int.max
        var pending: Task<HistoryLines, any Error>? = nil
        func fetch(after: Int, take: Int) -> Task<HistoryLines, any Error> {
            Task { try await self.linePage(filter, after: after, limit: take) }
        }
        defer { pending?.cancel() }
        var current = try await linePage(filter, after: after, limit: min(pageSize, remaining))
        while true {
            guard let last = current.lastPosition else { return }
            let take = min(pageSize, remaining - current.count)
            let full = current.count == min(pageSize, remaining)
            remaining -= current.count
            after = last
            pending = full && take > 0 ? fetch(after: after, take: take) : nil
            guard try await body(current), let next = pending else { return }
            pending = nil
            current = try await next.value
        }
    }

    /// One keyset page of history lines (see ``readLines(_:pageSize:_:)``).
    public func linePage(_ filter: HistoryFilter, after: Int, limit: Int) async throws(LedgerError) -> HistoryLines {
        let (conditions, parameters) = filter.conditions()
        let cursorIndex = parameters.count + 1
        let where_ = (conditions + ["position > $\(cursorIndex)"]).joined(separator: " AND ")
        let sql = "SELECT \(HistoryLines.columns) FROM mcledger.events WHERE \(where_) ORDER BY position LIMIT $\(cursorIndex + 1)"
        return try HistoryLines(binary: try await connection.executeBinary(sql, parameters + [.int8(after), .int8(limit)]))
    }

    /// The current version of `stream` (0 when it has no events).
    public func streamVersion(_ stream: String) async throws(LedgerError) -> Int {
        try await connection.execute("SELECT coalesce(max(version), 0) FROM mcledger.events WHERE stream = $1", [.text(stream)]).int(0, 0) ?? 0
    }

    /// The last `count` events, newest first.
    public func latest(_ count: Int, atOrBefore position: Int? = nil) async throws(LedgerError) -> [RecordedEvent] {
        Self.records(try await connection.execute(
            "SELECT \(Self.recordColumns) FROM mcledger.events WHERE position <= $1 ORDER BY position DESC LIMIT $2",
            [.int8(position ?? Int(Int64.max)), .int8(count)]))
    }

    /// All events of one stream in version order (bounded by `limit`).
    public func readStream(_ stream: String, fromVersion: Int = 1, limit: Int = ReadLimits.pageSize) async throws(LedgerError) -> [RecordedEvent] {
        let result = try await connection.execute(
            "SELECT \(Self.recordColumns) FROM mcledger.events WHERE stream = $1 AND version >= $2 ORDER BY version LIMIT $3",
            [.text(stream), .int8(fromVersion), .int8(limit)])
        return Self.records(result)
    }

    /// The head of the ledger: position and hash of the last event (nil when empty).
    public func head() async throws(LedgerError) -> Digest? {
        let result = try await connection.execute("SELECT position, hash FROM mcledger.events ORDER BY position DESC LIMIT 1")
        guard result.count == 1, let position = result.int(0, 0), let hash = result.bytea(0, 1) else { return nil }
        return Digest(position: position, hash: hash)
    }

    /// The last position recorded at or before `time` (0 when none): a binary
    /// search over positions (`mcledger.last_position_at`), since recorded_at
    /// never decreases with position.
    public func position(asOf time: Date) async throws(LedgerError) -> Int {
        try await connection.execute("SELECT mcledger.last_position_at($1)", [.timestamptz(time)]).int(0, 0) ?? 0
    }

    static func records(_ result: QueryResult) -> [RecordedEvent] {
        var page: [RecordedEvent] = []
        page.reserveCapacity(result.count)
        for row in 0..<result.count {
            page.append(RecordedEvent(
                position: result.int(row, 0) ?? 0,
                stream: result.string(row, 1) ?? "",
                version: result.int(row, 2) ?? 0,
                eventId: result.string(row, 3) ?? "",
                type: result.string(row, 4) ?? "",
                data: result.string(row, 5) ?? "{}",
                metadata: result.string(row, 6) ?? "{}",
                recordedAt: result.string(row, 7) ?? "",
                hash: result.bytea(row, 8) ?? []))
        }
        return page
    }
}
