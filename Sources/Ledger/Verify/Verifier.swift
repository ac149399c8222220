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
        try await store.read(HistoryFilter()) { page in
            for event in page {
                if event.position != expected {
                    report.add("gap", expected, event.position > expected
                        ? "positions \(expected)...\(event.position - 1) are missing (deleted rows?)"
                        : "position \(event.position) appears out of order after \(expected - 1)")
                }
                let computed = hasher.hash(previous: previous, event)
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
        try await checkGuarantees(&report)
        return report
    }

    private func checkVersions(_ report: inout VerificationReport) async throws(LedgerError) {
        let bad = try await store.connection.execute("""
            SELECT stream, min(position), count(*), min(version), max(version)
            FROM mcledger.events GROUP BY stream
            HAVING min(version) <> 1 OR max(version) <> count(*)
            ORDER BY min(position) LIMIT \(VerificationReport.maxProblems)
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
