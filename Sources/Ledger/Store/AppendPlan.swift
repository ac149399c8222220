import Foundation

/// What one append transaction came to.
enum AppendAttempt: Sendable {
    /// Committed (or nothing to commit): each request's answer, and the
    /// heads of the streams the transaction knew once it committed.
    case done([Result<AppendOutcome, LedgerError>], heads: [String: StreamHeadCache.Head])
    /// The connection broke while COMMIT was in flight (`error` says how).
    case inDoubt(AppendPlan.Accepted, LedgerError)
    /// Validated against cached heads that `append_events` found stale, or
    /// following a transaction that had not committed: nothing was
    /// appended; check again against heads read under the lock (a follower
    /// once the transaction it follows is settled).
    case stale
}

/// One group-commit transaction: reads what the checks need under the append
/// lock, validates each request in order against the running stream states,
/// inserts the accepted events with one `append_events` call, and maps the
/// positions back to the requests.
enum AppendPlan {
    /// Where an accepted or repeated event's position comes from.
    fileprivate enum Slot: Sendable {
        case fresh(Int)          // index into the insert list
        case stored(Int)         // position already in the ledger
    }

    fileprivate struct Request: Sendable {
        var slots: [Slot]
        var isDuplicate: [Bool]
    }

    /// Where an event is among the requests of a transaction: copying a
    /// 2,000-event batch's events into an insert list (and destroying the
    /// copies after the commit) cost more than the rest of the bookkeeping.
    fileprivate struct EventIndex: Sendable {
        var request: Int
        var event: Int
        /// Its stream's version before the transaction, as validated (`append_events`' p_bases).
        var base: Int

        /// The event it points at among `requests`.
        func resolved(in requests: [[ProposedEvent]]) -> ProposedEvent {
            requests[request][event]
        }
    }

    /// The checked transaction: the events to insert (in insert order, as
    /// indexes into the requests) and each request's verdict, its events
    /// mapped to inserts or stored positions.
    struct Accepted: Sendable {
        /// The requests checked; the events to insert are read from them in place.
        fileprivate let requests: [[ProposedEvent]]
        /// The events to insert, in insert order: where each is in `requests`.
        fileprivate var inserts: [EventIndex]
        /// Every stream's head once the inserts are committed.
        fileprivate(set) var heads: [String: StreamHeadCache.Head]
        fileprivate var outcomes: [Result<Request, LedgerError>]

        /// True when no request failed its checks.
        var acceptsEveryRequest: Bool { outcomes.allSatisfy { if case .success = $0 { true } else { false } } }

        var insertIds: [UUID] { inserts.indices.map { insert($0).eventId } }

        /// The `k`-th event to insert.
        fileprivate func insert(_ k: Int) -> ProposedEvent {
            inserts[k].resolved(in: requests)
        }

        var streams: Dictionary<String, StreamHeadCache.Head>.Keys { heads.keys }

        /// Each request's answer once the inserts are at `firstPosition...`.
        func results(firstPosition: Int, recordedAt: String?) -> [Result<AppendOutcome, LedgerError>] {
            outcomes.map { outcome in
                outcome.map { accepted in
                    let positions = accepted.slots.map { slot -> Int in
                        switch slot {
                        case .fresh(let index): return firstPosition + index
                        case .stored(let position): return position
                        }
                    }
                    let appendedAny = accepted.isDuplicate.contains(false)
                    return AppendOutcome(positions: positions, isDuplicate: accepted.isDuplicate, recordedAt: appendedAny ? recordedAt : nil)
                }
            }
        }

        /// Each request's answer once an in-doubt COMMIT was resolved.
        /// Committed: as if the COMMIT had answered. Not committed: a request
        /// whose new events are all stored anyway (another writer appended
        /// the same ids meanwhile) is acknowledged with their positions as
        /// repeats; any other accepted request gets `databaseUnavailable`
        /// with `commit = "no"` (nothing of it was appended; retry it).
        /// Unknown: `commitError` with `commit = "unknown"`.
        func results(after verdict: CommitResolver.Verdict, commitError: LedgerError) -> [Result<AppendOutcome, LedgerError>] {
            switch verdict {
            case .committed(let firstPosition, let recordedAt):
                return results(firstPosition: firstPosition, recordedAt: recordedAt)
            case .unknown(let reason):
                var error = commitError
                error.details["commit"] = "unknown"
                error.message = "the connection to PostgreSQL was lost during COMMIT and the outcome could not be resolved (\(reason)); re-send the same events with the same eventIds: repeats are not appended twice"
                return outcomes.map { $0.flatMap { _ in .failure(error) } }
            case .notCommitted(let stored):
                return outcomes.map { outcome in
                    outcome.flatMap { accepted -> Result<AppendOutcome, LedgerError> in
                        var positions: [Int] = []
                        for slot in accepted.slots {
                            switch slot {
                            case .stored(let position): positions.append(position)
                            case .fresh(let index):
                                guard let position = stored[insert(index).eventId] else {
                                    var error = LedgerError(.databaseUnavailable, "the connection to PostgreSQL was lost during COMMIT; the transaction did not commit (checked after reconnecting): nothing of this request was appended; re-send it", details: commitError.details)
                                    error.details["commit"] = "no"
                                    return .failure(error)
                                }
                                positions.append(position)
                            }
                        }
                        return .success(AppendOutcome(positions: positions, isDuplicate: positions.map { _ in true }, recordedAt: nil))
                    }
                }
            }
        }
    }

    /// One transaction for `requests`, checked against what it reads under
    /// the append lock: the heads of their streams and the ids already stored.
    static func execute(_ connection: isolated PostgresConnection, _ requests: [[ProposedEvent]]) throws(LedgerError) -> AppendAttempt {
        let all = requests.flatMap { $0 }
        let streams = Array(Set(all.map(\.stream)))
        // One round trip: take the lock, then read what the checks need under it.
        let results = try connection.pipeline(prepared: [
            (AppendSQL.lock, []),
            (AppendSQL.existingIds, [.uuidArray(all.map(\.eventId))]),
            (AppendSQL.streamHeads, [.textArray(streams)]),
        ])
        let stored = try storedRepeats(connection, all, results[1])
        let plan = validate(requests, heads: streamStates(results[2]), stored: stored)
        return try insert(connection, plan, parameters(plan))
    }

    /// The `append_events` parameters of what `plan` accepted, in one pass
    /// over the events, each field read in place: a bulk append
    /// encodes 2,000 events per batch, and mapping a key path per array
    /// copied every whole event (one retain per string) six times.
    static func parameters(_ plan: Accepted) -> [SQLParameter] {
        let count = plan.inserts.count
        let requests = plan.requests
        var textBytes = (streams: 0, types: 0, data: 0, metadata: 0)
        for at in plan.inserts {
            textBytes.streams += requests[at.request][at.event].stream.utf8.count
            textBytes.types += requests[at.request][at.event].type.utf8.count
            textBytes.data += requests[at.request][at.event].data.utf8.count
            textBytes.metadata += requests[at.request][at.event].metadata.utf8.count
        }
        var streams = BinaryArrayEncoder.text(count: count, textBytes: textBytes.streams)
        var ids = BinaryArrayEncoder.uuid(count: count)
        var types = BinaryArrayEncoder.text(count: count, textBytes: textBytes.types)
        var data = BinaryArrayEncoder.jsonb(count: count, textBytes: textBytes.data)
        var metadata = BinaryArrayEncoder.jsonb(count: count, textBytes: textBytes.metadata)
        var bases = BinaryArrayEncoder.int4(count: count)
        for at in plan.inserts {
            streams.appendText(requests[at.request][at.event].stream)
            ids.appendUUID(requests[at.request][at.event].eventId)
            types.appendText(requests[at.request][at.event].type)
            data.appendJSONB(requests[at.request][at.event].data)
            metadata.appendJSONB(requests[at.request][at.event].metadata)
            bases.appendInt32(Int32(clamping: at.base))
        }
        return [streams.parameter, ids.parameter, types.parameter, data.parameter, metadata.parameter, bases.parameter]
    }

    /// Inserts what `plan` accepted with one `append_events` call that
    /// travels with its COMMIT (one round trip).
    static func insert(_ connection: isolated PostgresConnection, _ plan: Accepted, _ parameters: [SQLParameter],
                       following predecessor: TransactionID? = nil) throws(LedgerError) -> AppendAttempt {
        guard !plan.inserts.isEmpty else { return .done(plan.results(firstPosition: 0, recordedAt: nil), heads: plan.heads) }
        let inserted: QueryResult
        do {
            inserted = try connection.executeThenCommit(AppendSQL.append, parameters + [.xid8(predecessor)])
        } catch where error.details["commit"] == "unknown" {
            return .inDoubt(plan, error)
        }
        guard inserted.count == 1, let first = inserted.int(0, 0), let last = inserted.int(0, 1), last - first + 1 == plan.inserts.count else {
            throw LedgerError(.internal, "append_events returned an unexpected result for \(plan.inserts.count) events")
        }
        return .done(plan.results(firstPosition: first, recordedAt: inserted.string(0, 2)), heads: plan.heads)
    }

    /// True when `append_events` refused a batch because a head it was
    /// validated against is not the stream's head (or an id is already
    /// stored): nothing was appended.
    static func isStale(_ error: LedgerError) -> Bool {
        error.details["sqlstate"] == "MLCF1" || error.details["sqlstate"] == "23505"
    }

    /// True when `append_events` refused a batch because the transaction it
    /// follows had not committed (`p_after`): nothing was appended.
    static func isOvertaking(_ error: LedgerError) -> Bool {
        error.details["sqlstate"] == "MLCF2"
    }

    /// Checks each request in order against `heads` (a stream absent from
    /// them has no events) and `stored` (ids already in the ledger), as if
    /// each were appended alone after the ones before it that pass.
    static func validate(
        _ requests: [[ProposedEvent]], heads: [String: StreamHeadCache.Head], stored: [UUID: Result<Int, LedgerError>]
    ) -> Accepted {
        let total = requests.reduce(0) { $0 + $1.count }
        // Each distinct stream gets a slot: an event's stream is hashed once,
        // and its head, base and undo record are read and written by slot.
        // (A dictionary access at each use hashed the stream four or five
        // times per event; string hashing and lookups were a sixth of a bulk
        // append's client CPU.)
        var slotOfStream: [String: Int] = [:]
        slotOfStream.reserveCapacity(total)
        var slots = StreamSlots()
        var inserts: [EventIndex] = []
        inserts.reserveCapacity(total)
        // Each new id's index in `inserts` (a request that fails takes its ids back out).
        var insertOfId: [UUID: Int] = [:]
        insertOfId.reserveCapacity(total)
        var outcomes: [Result<Request, LedgerError>] = []
        outcomes.reserveCapacity(requests.count)
        // What the current request changed, to undo if it fails: the slot and its head before.
        var undo: [(slot: Int, head: StreamHeadCache.Head?)] = []
        for (requestIndex, request) in requests.enumerated() {
            let firstInsert = inserts.count
            undo.removeAll(keepingCapacity: true)
            var accepted = Request(slots: [], isDuplicate: [])
            accepted.slots.reserveCapacity(request.count)
            accepted.isDuplicate.reserveCapacity(request.count)
            var failure: LedgerError?
            // By index: each field is read in place, not a copy of the whole event.
            for index in request.indices {
                do throws(LedgerError) {
                    let eventId = request[index].eventId
                    // 1. Repeats, recognised before any other check.
                    if !stored.isEmpty, let match = stored[eventId] {
                        accepted.slots.append(.stored(try match.get()))
                        accepted.isDuplicate.append(true)
                        continue
                    }
                    if let earlier = insertOfId[eventId] {
                        let first = inserts[earlier].resolved(in: requests)
                        let event = request[index]
                        guard first.stream == event.stream, first.type == event.type, first.data == event.data else {
                            throw LedgerError(.conflict, "eventId \(event.eventIdString) appears twice in the batch with different content", details: ["eventId": event.eventIdString, "stream": event.stream])
                        }
                        accepted.slots.append(.fresh(earlier))
                        accepted.isDuplicate.append(true)
                        continue
                    }
                    // 2. expectedVersion, then 3. the stream's domain rules.
                    let stream = request[index].stream
                    let slot = slots.slot(of: stream, in: &slotOfStream, heads: heads)
                    let current = slots.heads[slot]
                    var head = current ?? StreamHeadCache.Head(version: 0, state: .absent)
                    if let expected = request[index].expectedVersion, expected != head.version {
                        throw LedgerError(.conflict, "stream '\(stream)': expected version \(expected), but the stream is at version \(head.version)", details: ["stream": stream, "expected": "\(expected)", "actual": "\(head.version)"])
                    }
                    if let domain = request[index].domain {
                        head.state = try head.state.applying(domain, stream: stream)
                    }
                    head.version += 1
                    undo.append((slot, current))
                    slots.heads[slot] = head
                    insertOfId[eventId] = inserts.count
                    accepted.slots.append(.fresh(inserts.count))
                    accepted.isDuplicate.append(false)
                    inserts.append(EventIndex(request: requestIndex, event: index, base: slots.bases[slot]))
                } catch {
                    var attributed = error
                    attributed.details["index"] = "\(index)"
                    failure = attributed
                    break
                }
            }
            if let failure {
                for at in inserts[firstInsert...] { insertOfId[at.resolved(in: requests).eventId] = nil }
                inserts.removeSubrange(firstInsert...)
                for change in undo.reversed() { slots.heads[change.slot] = change.head }
                outcomes.append(.failure(failure))
                continue
            }
            for change in undo { slots.changed[change.slot] = true }
            outcomes.append(.success(accepted))
        }
        var state = heads
        state.reserveCapacity(heads.count + slots.names.count)
        for slot in slots.names.indices where slots.changed[slot] {
            state[slots.names[slot]] = slots.heads[slot]
        }
        return Accepted(requests: requests, inserts: inserts, heads: state, outcomes: outcomes)
    }

    /// The streams one validation touches, by slot (see `validate`).
    private struct StreamSlots {
        var names: [String] = []
        /// The running head (nil: the stream has no event yet).
        var heads: [StreamHeadCache.Head?] = []
        /// The version before the transaction, as validated against.
        var bases: [Int] = []
        /// True once an accepted request appended to the stream.
        var changed: [Bool] = []

        /// The slot of `stream`, given one on first sight with its head from `heads`.
        mutating func slot(of stream: String, in slotOfStream: inout [String: Int], heads known: [String: StreamHeadCache.Head]) -> Int {
            let next = names.count
            // One hash: the default subscript, accessed in place, stores `next` when the stream is new.
            let slot = Self.value(&slotOfStream[stream, default: next])
            if slot == next {
                let head = known[stream]
                names.append(stream)
                heads.append(head)
                bases.append(head?.version ?? 0)
                changed.append(false)
            }
            return slot
        }

        private static func value(_ stored: inout Int) -> Int { stored }
    }

    /// Each stream's version and state from its last stored event.
    private static func streamStates(_ heads: QueryResult) -> [String: StreamHeadCache.Head] {
        var state: [String: StreamHeadCache.Head] = [:]
        for row in 0..<heads.count {
            guard let stream = heads.string(row, 0), let version = heads.int(row, 1), let type = heads.string(row, 2) else { continue }
            let data = heads.withBytes(row, 3) { try? JSONValue.parse(Array($0)) } ?? nil
            state[stream] = StreamHeadCache.Head(version: version, state: StreamState.reconstruct(lastType: type, lastData: data?.objectValue))
        }
        return state
    }

    /// For every proposed event whose `eventId` is already stored: its
    /// original position when stream, type and data match (data compared as
    /// jsonb by the database, so key order and spacing do not matter), or the
    /// conflict to report.
    private static func storedRepeats(
        _ connection: isolated PostgresConnection, _ events: [ProposedEvent], _ existing: QueryResult
    ) throws(LedgerError) -> [UUID: Result<Int, LedgerError>] {
        guard existing.count > 0 else { return [:] }
        var stored: [UUID: (position: Int, stream: String, type: String)] = [:]
        for row in 0..<existing.count {
            guard let text = existing.string(row, 0), let id = UUID(uuidString: text), let position = existing.int(row, 1),
                  let stream = existing.string(row, 2), let type = existing.string(row, 3) else { continue }
            stored[id] = (position, stream, type)
        }
        var verdicts: [UUID: Result<Int, LedgerError>] = [:]
        var candidates: [(event: ProposedEvent, position: Int)] = []
        for event in events {
            guard verdicts[event.eventId] == nil, let match = stored[event.eventId] else { continue }
            if match.stream == event.stream && match.type == event.type {
                candidates.append((event, match.position))
                verdicts[event.eventId] = .success(match.position)
            } else {
                verdicts[event.eventId] = .failure(reusedId(event, position: match.position))
            }
        }
        let same = try connection.execute(AppendSQL.sameData, [
            .textArray(candidates.map { String($0.position) }),
            .jsonbArray(candidates.map(\.event.data)),
        ])
        var equal: [Int: Bool] = [:]
        for row in 0..<same.count {
            if let position = same.int(row, 0) { equal[position] = same.bool(row, 1) ?? false }
        }
        for candidate in candidates where equal[candidate.position] != true {
            verdicts[candidate.event.eventId] = .failure(reusedId(candidate.event, position: candidate.position))
        }
        return verdicts
    }

    private static func reusedId(_ event: ProposedEvent, position: Int) -> LedgerError {
        LedgerError(.conflict, "eventId \(event.eventIdString) is already in the ledger at position \(position) with other content (stream, type or data differ)", details: ["eventId": event.eventIdString, "stream": event.stream, "position": "\(position)"])
    }
}

/// The statements of the append path (see sql/functions/020_append.sql).
/// Prepared once per connection: the append path parses and plans nothing per transaction.
enum AppendSQL {
    static let lock = PreparedStatement("mcledger_lock", "SELECT mcledger.lock_appends()")
    // One index probe per id, whatever the table's size or statistics: the
    // LIMIT 1 keeps the lateral subquery from being pulled up into a join the
    // planner may run as a sequential scan. (`event_id = ANY($1)` was planned
    // as a sequential scan with a hashed filter for 2,000-id batches: every
    // batch read the whole table, so bulk appends slowed as the ledger grew.)
    static let existingIds = PreparedStatement("mcledger_existing_ids", """
        SELECT e.event_id::text, e.position, e.stream, e.type
        FROM unnest($1::uuid[]) AS i(id)
        CROSS JOIN LATERAL (SELECT x.event_id, x.position, x.stream, x.type FROM mcledger.events x WHERE x.event_id = i.id LIMIT 1) e
        """)
    // Only the fields StreamState.reconstruct reads (role, to): printing and
    // parsing each head's whole data cost more than the lookups themselves.
    static let streamHeads = PreparedStatement("mcledger_stream_heads", """
        SELECT stream, version, type, jsonb_strip_nulls(jsonb_build_object('role', data->'role', 'to', data->'to'))::text
        FROM mcledger.stream_heads($1::text[])
        """)
    static let sameData = """
        SELECT e.position, e.data = c.data
        FROM unnest($1::text[]::bigint[], $2::jsonb[]) AS c(position, data)
        CROSS JOIN LATERAL (SELECT x.position, x.data FROM mcledger.events x WHERE x.position = c.position LIMIT 1) e
        """
    static let append = PreparedStatement("mcledger_append_v3", """
        SELECT first_position, last_position, mcledger.canonical_time(recorded_at)
        FROM mcledger.append_events($1::text[], $2::uuid[], $3::text[], $4::jsonb[], $5::jsonb[], $6::int4[], $7::xid8)
        """)
    // Assigns the transaction its id at once, so that a batch sent on
    // another connection can name it (append_events' p_after). Plain text,
    // not prepared: it then travels in one round trip with the deferred BEGIN.
    static let transactionID = "SELECT pg_current_xact_id()::text"
}

