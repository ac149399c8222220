import Crypto

/// Recomputes the hash chain in Swift, independently of the SQL that wrote
/// it, and checks the table's other guarantees: positions gapless from 1,
/// versions gapless from 1 per stream, recorded_at never decreasing, the
/// immutability triggers present and always enabled, and no role of
/// mcledger's holding a write privilege on the events.
public struct Verifier: Sendable {
    public let store: EventStore

    public init(store: EventStore) {
        self.store = store
    }

    /// Verifies the whole ledger; with `against`, also checks that the ledger
    /// still extends that earlier digest. `progress(checked, total)` is called
    /// after each page.
    public func verify(against digest: Digest? = nil, progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> VerificationReport {
        var report = VerificationReport()
        let total = try await store.head()?.position ?? 0
        var previous = ChainHasher.genesis
        var expected = 1
        var lastTime = ""
        var digestSeen = digest?.position == 0
        if let digest, digest.position == 0, digest.hash != ChainHasher.genesis {
            report.add("digest", 0, "digest 0:\(Hex.encode(digest.hash)) is not the genesis hash")
        }
        var hasher = ChainHasher()
        // The chain recomputed from genesis without ever trusting a stored
        // hash: an earlier digest must equal it at the digest's position, so
        // any alteration at or before that position fails the digest check.
        var recomputed = ChainHasher.genesis
        try await store.read(HistoryFilter()) { page in
            for event in page {
                if event.position != expected {
                    report.add("gap", expected, event.position > expected
                        ? "positions \(expected)...\(event.position - 1) are missing (deleted rows?)"
                        : "position \(event.position) appears out of order after \(expected - 1)")
                }
                let computed = hasher.hash(previous: previous, event)
                if let digest, event.position <= digest.position {
                    recomputed = hasher.hash(previous: recomputed, event)
                }
                if computed != event.hash {
                    report.add("hash", event.position, "hash mismatch at position \(event.position): the event or one before it was altered, removed or reordered (stored \(Hex.encode(event.hash)), recomputed \(Hex.encode(computed)))")
                }
                if event.recordedAt < lastTime {
                    report.add("time", event.position, "recorded_at goes backwards at position \(event.position) (\(event.recordedAt) < \(lastTime))")
                }
                if let digest, digest.position == event.position {
                    digestSeen = true
                    if digest.hash != event.hash {
                        report.add("digest", event.position, "the ledger does not extend digest \(digest): position \(event.position) now has hash \(Hex.encode(event.hash))")
                    } else if digest.hash != recomputed {
                        report.add("digest", event.position, "the ledger does not extend digest \(digest): recomputed from position 1, the chain reaches \(Hex.encode(recomputed)) at position \(event.position) (an event at or before it was altered, removed or reordered)")
                    }
                }
                lastTime = event.recordedAt
                // Continue from the stored hash so that each alteration is named where it is.
                previous = event.hash
                expected = event.position + 1
                report.checked += 1
                report.head = Digest(position: event.position, hash: event.hash)
            }
            progress?(report.checked, total)
            return true
        }
        if let digest, !digestSeen {
            report.add("digest", report.head.map { $0.position + 1 } ?? 1, "the ledger ends at position \(report.head?.position ?? 0), before the digest's position \(digest.position): history was truncated")
        }
        try await checkVersions(&report)
        try await checkProjections(&report)
        try await checkGuarantees(&report)
        return report
    }

    /// Cross-checks the projections' own records of the ledger against it.
    ///
    /// A hash chain alone cannot tell a ledger whose tail was deleted (or whose
    /// table was truncated) from a shorter one: only a digest kept outside the
    /// database can (`--against`). But the projector wrote down what it saw:
    /// its checkpoints and the counts snapshots name positions, and each
    /// topology row holds the position, stream, version, type and data of the
    /// last event it applied to that stream. A checkpoint or snapshot beyond the
    /// head means events were removed; a topology row that disagrees with the
    /// event at its position means that event was removed, moved or rewritten
    /// (even when the chain was recomputed after the edit). Each query compares
    /// against the head read in the same statement, so a concurrent append
    /// cannot make a sound ledger look truncated. Whoever also rewrites the
    /// projections is caught only by a digest.
    private func checkProjections(_ report: inout VerificationReport) async throws(LedgerError) {
        let beyond = try await store.connection.execute("""
            WITH head AS (SELECT coalesce(max(position), 0) AS position FROM mcledger.events)
            SELECT format('checkpoint of projection %L', c.name), c.position, head.position
              FROM mcledger.projection_checkpoints c, head WHERE c.position > head.position
            UNION ALL
            SELECT 'counts snapshot', s.position, head.position
              FROM (SELECT DISTINCT position FROM mcledger.status_count_snapshots) s, head
             WHERE s.position > head.position
            ORDER BY 2 DESC LIMIT \(VerificationReport.maxProblems)
            """)
        for row in 0..<beyond.count {
            let what = beyond.string(row, 0) ?? "?"
            let position = beyond.int(row, 1) ?? 0
            let head = beyond.int(row, 2) ?? 0
            report.add("truncation", head + 1, "the \(what) is at position \(position), but the ledger ends at position \(head): events \(head + 1)...\(position) were removed (tail deleted or table truncated)")
        }
        let topology = try await store.connection.execute("""
            SELECT t.stream, t.position, t.version, e.position IS NULL, e.stream, e.version
              FROM mcledger.topology t LEFT JOIN mcledger.events e ON e.position = t.position
             WHERE e.position IS NULL OR e.stream <> t.stream OR e.version <> t.version
                OR e.type <> t.last_type OR e.data <> t.last_data
             ORDER BY t.position LIMIT \(VerificationReport.maxProblems)
            """)
        for row in 0..<topology.count {
            let stream = topology.string(row, 0) ?? "?"
            let position = topology.int(row, 1) ?? 0
            let what: String
            if topology.bool(row, 3) == true {
                what = "there is no event at that position (removed)"
            } else if topology.string(row, 4) != stream || topology.int(row, 5) != topology.int(row, 2) {
                what = "the event there is version \(topology.int(row, 5) ?? 0) of '\(topology.string(row, 4) ?? "?")' (moved or replaced)"
            } else {
                what = "the event there has another type or data (rewritten)"
            }
            report.add("projection", position, "the readiness projection applied version \(topology.int(row, 2) ?? 0) of stream '\(stream)' at position \(position), but \(what)")
        }
    }

    private func checkVersions(_ report: inout VerificationReport) async throws(LedgerError) {
        // Versions in position order must be 1, 2, 3, ...: the first position
        // where one is not is where the stream was altered.
        let bad = try await store.connection.execute("""
            SELECT stream, min(position) FILTER (WHERE version <> n), count(*), min(version), max(version)
            FROM (SELECT stream, position, version, row_number() OVER (PARTITION BY stream ORDER BY position) AS n
                  FROM mcledger.events) s
            GROUP BY stream HAVING bool_or(version <> n)
            ORDER BY 2 LIMIT \(VerificationReport.maxProblems)
            """)
        for row in 0..<bad.count {
            let stream = bad.string(row, 0) ?? "?"
            report.add("version", bad.int(row, 1), "stream '\(stream)' has \(bad.int(row, 2) ?? 0) events with versions \(bad.int(row, 3) ?? 0)...\(bad.int(row, 4) ?? 0): versions are not gapless from 1")
        }
    }

    private func checkGuarantees(_ report: inout VerificationReport) async throws(LedgerError) {
        let triggers = try await store.connection.execute("""
            SELECT count(*) FILTER (WHERE tgenabled = 'A') FROM pg_trigger
            WHERE tgrelid = 'mcledger.events'::regclass AND NOT tgisinternal
              AND tgname IN ('events_refuse_update_delete', 'events_refuse_truncate')
            """)
        if triggers.int(0, 0) != 2 {
            report.add("guarantee", nil, "the triggers that refuse UPDATE, DELETE and TRUNCATE on mcledger.events are missing or not ENABLE ALWAYS")
        }
        let grants = try await store.connection.execute("""
            SELECT r FROM unnest(ARRAY['public', 'mcledger_read', 'mcledger_append', 'mcledger_admin']) AS r
            WHERE (r = 'public' OR EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r))
              AND has_table_privilege(r, 'mcledger.events', 'INSERT, UPDATE, DELETE, TRUNCATE')
            """)
        for row in 0..<grants.count {
            report.add("guarantee", nil, "role \(grants.string(row, 0) ?? "?") holds a write privilege on mcledger.events")
        }
    }
}

/// The chain step of docs/ledger-format.md, in Swift.
public struct ChainHasher: Sendable {
    /// The hash that precedes position 1: 32 zero bytes.
    public static let genesis = [UInt8](repeating: 0, count: 32)
    private var buffer: [UInt8] = []

    public init() {}

    /// The canonical bytes of `event`.
    public mutating func canonicalBytes(_ event: RecordedEvent) -> [UInt8] {
        buffer.removeAll(keepingCapacity: true)
        let newline = UInt8(ascii: "\n")
        buffer.append(contentsOf: String(event.position).utf8); buffer.append(newline)
        buffer.append(contentsOf: event.stream.utf8); buffer.append(newline)
        buffer.append(contentsOf: String(event.version).utf8); buffer.append(newline)
        buffer.append(contentsOf: event.eventId.utf8); buffer.append(newline)
        buffer.append(contentsOf: event.type.utf8); buffer.append(newline)
        buffer.append(contentsOf: event.data.utf8); buffer.append(newline)
        buffer.append(contentsOf: event.metadata.utf8); buffer.append(newline)
        buffer.append(contentsOf: event.recordedAt.utf8)
        return buffer
    }

    /// SHA-256(previous || canonical bytes of `event`).
    public mutating func hash(previous: [UInt8], _ event: RecordedEvent) -> [UInt8] {
        var sha = SHA256()
        sha.update(data: previous)
        sha.update(data: canonicalBytes(event))
        return Array(sha.finalize())
    }
}
