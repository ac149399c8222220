import Foundation

extension EventStore {
    /// Appends `events` as one atomic batch.
    ///
    /// Order of checks, all inside one READ COMMITTED transaction that holds
    /// the append lock from its first statement:
    /// 1. repeats: an `eventId` already in the ledger (or earlier in the batch)
    ///    with the same stream, type and data is acknowledged with its original
    ///    position and not appended again; with other content it is a conflict;
    /// 2. `expectedVersion` against the stream's version at that point of the batch;
    /// 3. the domain rules of each stream (`StreamState.applying`).
    /// Any failure rolls back the whole batch; the error's `details["index"]`
    /// is the 0-based index of the offending event. The call returns only
    /// after COMMIT succeeded (durable with the server's `synchronous_commit`).
    public func append(_ events: [ProposedEvent]) async throws(LedgerError) -> AppendOutcome {
        guard !events.isEmpty else { return AppendOutcome(positions: [], isDuplicate: [], recordedAt: nil) }
        guard events.count <= AppendLimits.maxBatchEvents * 8 else {
            throw LedgerError(.invalidInput, "a batch holds at most \(AppendLimits.maxBatchEvents * 8) events (got \(events.count))")
        }
        return try await connection.withTransaction { connection throws(LedgerError) in
            try Self.appendLocked(connection, events)
        }
    }

    /// The body of `append`, run on the connection inside its transaction.
    static func appendLocked(_ connection: isolated PostgresConnection, _ events: [ProposedEvent]) throws(LedgerError) -> AppendOutcome {
        let streams = Array(Set(events.map(\.stream)))
        // One round trip: take the lock, then read what the checks need under it.
        let results = try connection.pipeline([
            (AppendSQL.lock, []),
            (AppendSQL.existingIds, [.uuidArray(events.map(\.eventId))]),
            (AppendSQL.streamHeads, [.textArray(streams)]),
        ])
        let existing = results[1]
        let heads = results[2]

        var isDuplicate = [Bool](repeating: false, count: events.count)
        var positions = [Int](repeating: 0, count: events.count)
        var repeatOf: [Int: Int] = [:] // index -> earlier index in this batch

        // 1. Repeats of events already in the ledger.
        if existing.count > 0 {
            try Self.matchStored(connection, events, existing, &isDuplicate, &positions)
        }
        // ... and repeats within the batch.
        var firstIndexOfId: [UUID: Int] = [:]
        for (index, event) in events.enumerated() where !isDuplicate[index] {
            if let first = firstIndexOfId[event.eventId] {
                let original = events[first]
                guard original.stream == event.stream, original.type == event.type, original.data == event.data else {
                    throw LedgerError(.conflict, "eventId \(event.eventId.uuidString.lowercased()) appears twice in the batch with different content", details: ["index": "\(index)", "eventId": event.eventId.uuidString.lowercased(), "stream": event.stream])
                }
                isDuplicate[index] = true
                repeatOf[index] = first
            } else {
                firstIndexOfId[event.eventId] = index
            }
        }

        // 2 and 3. Versions and domain rules, walking the batch in order.
        var state: [String: (version: Int, state: StreamState)] = [:]
        for row in 0..<heads.count {
            guard let stream = heads.string(row, 0), let version = heads.int(row, 1), let type = heads.string(row, 2) else { continue }
            let data = heads.withBytes(row, 3) { try? JSONValue.parse(Array($0)) } ?? nil
            state[stream] = (version, StreamState.reconstruct(lastType: type, lastData: data?.objectValue))
        }
        var fresh: [Int] = []
        fresh.reserveCapacity(events.count)
        for (index, event) in events.enumerated() where !isDuplicate[index] {
            var head = state[event.stream] ?? (0, .absent)
            if let expected = event.expectedVersion, expected != head.version {
                throw LedgerError(.conflict, "stream '\(event.stream)': expected version \(expected), but the stream is at version \(head.version)", details: ["index": "\(index)", "stream": event.stream, "expected": "\(expected)", "actual": "\(head.version)"])
            }
            if let domain = event.domain {
                do {
                    head.state = try head.state.applying(domain, stream: event.stream)
                } catch {
                    var attributed = error
                    attributed.details["index"] = "\(index)"
                    throw attributed
                }
            }
            head.version += 1
            state[event.stream] = head
            fresh.append(index)
        }

        var recordedAt: String?
        if !fresh.isEmpty {
            let inserted = try connection.execute(AppendSQL.append, [
                .textArray(fresh.map { events[$0].stream }),
                .uuidArray(fresh.map { events[$0].eventId }),
                .textArray(fresh.map { events[$0].type }),
                .jsonbArray(fresh.map { events[$0].data }),
                .jsonbArray(fresh.map { events[$0].metadata }),
            ])
            guard inserted.count == 1, let first = inserted.int(0, 0), let last = inserted.int(0, 1), last - first + 1 == fresh.count else {
                throw LedgerError(.internal, "append_events returned an unexpected result for \(fresh.count) events")
            }
            for (offset, index) in fresh.enumerated() { positions[index] = first + offset }
            recordedAt = inserted.string(0, 2)
        }
        for (index, first) in repeatOf { positions[index] = positions[first] }
        return AppendOutcome(positions: positions, isDuplicate: isDuplicate, recordedAt: recordedAt)
    }

    /// Marks events whose `eventId` is already stored with the same stream,
    /// type and data as duplicates; any other reuse of an id is a conflict.
    private static func matchStored(
        _ connection: isolated PostgresConnection, _ events: [ProposedEvent], _ existing: QueryResult,
        _ isDuplicate: inout [Bool], _ positions: inout [Int]
    ) throws(LedgerError) {
        var stored: [UUID: (position: Int, stream: String, type: String)] = [:]
        for row in 0..<existing.count {
            guard let text = existing.string(row, 0), let id = UUID(uuidString: text), let position = existing.int(row, 1),
                  let stream = existing.string(row, 2), let type = existing.string(row, 3) else { continue }
            stored[id] = (position, stream, type)
        }
        var candidates: [(index: Int, position: Int)] = []
        for (index, event) in events.enumerated() {
            guard let match = stored[event.eventId] else { continue }
            guard match.stream == event.stream, match.type == event.type else {
                throw Self.reusedId(event, index: index, position: match.position)
            }
            candidates.append((index, match.position))
        }
        // Data is compared as jsonb by the database, so key order and spacing do not matter.
        let same = try connection.execute(AppendSQL.sameData, [
            .textArray(candidates.map { String($0.position) }),
            .jsonbArray(candidates.map { events[$0.index].data }),
        ])
        var equal: [Int: Bool] = [:]
        for row in 0..<same.count {
            if let position = same.int(row, 0) { equal[position] = same.bool(row, 1) ?? false }
        }
        for candidate in candidates {
            guard equal[candidate.position] == true else {
                throw Self.reusedId(events[candidate.index], index: candidate.index, position: candidate.position)
            }
            isDuplicate[candidate.index] = true
            positions[candidate.index] = candidate.position
        }
    }

    private static func reusedId(_ event: ProposedEvent, index: Int, position: Int) -> LedgerError {
        let id = event.eventId.uuidString.lowercased()
        return LedgerError(.conflict, "eventId \(id) is already in the ledger at position \(position) with other content (stream, type or data differ)", details: ["index": "\(index)", "eventId": id, "stream": event.stream, "position": "\(position)"])
    }
}

/// The statements of the append path (see sql/functions/020_append.sql).
enum AppendSQL {
    static let lock = "SELECT mcledger.lock_appends()"
    static let existingIds = "SELECT event_id::text, position, stream, type FROM mcledger.events WHERE event_id = ANY($1::uuid[])"
    static let streamHeads = "SELECT stream, version, type, data::text FROM mcledger.stream_heads($1::text[])"
    static let sameData = """
        SELECT e.position, e.data = c.data
        FROM unnest($1::text[]::bigint[], $2::jsonb[]) AS c(position, data)
        JOIN mcledger.events e ON e.position = c.position
        """
    static let append = """
        SELECT first_position, last_position, mcledger.canonical_time(recorded_at)
        FROM mcledger.append_events($1::text[], $2::uuid[], $3::text[], $4::jsonb[], $5::jsonb[])
        """
}
