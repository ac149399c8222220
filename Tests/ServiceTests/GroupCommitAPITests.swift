import Foundation
import Ledger
import LedgerTestSupport
import Testing

@Suite("HTTP: group commit under concurrency")
struct GroupCommitAPITests {
    static let append = ServerHarness.appendToken

    @Test("64 clients append single events with idempotency keys, re-sending some: each acknowledged event stored exactly once, gapless")
    func sixtyFourClients() async throws {
        try await ServerHarness.with { server in
            let perClient = 15
            let acknowledged = try await withThrowingTaskGroup(of: [(UUID, Int)].self) { group in
                for client in 0..<64 {
                    group.addTask {
                        try await server.client { http in
                            var acks: [(UUID, Int)] = []
                            for n in 0..<perClient {
                                let id = UUID()
                                let line = APIFixtures.pending("c\(client)-\(n)", id: id, instance: "exec-0\(client % 3 + 1)")
                                let result = try await HTTPResult.send(http, .post, "/v1/events", token: Self.append, body: line)
                                guard result.status == 201, let position = result.object?["firstPosition"]?.integerValue else {
                                    throw LedgerError(.internal, "client \(client) event \(n): \(result.status) \(result.text)")
                                }
                                acks.append((id, position))
                                if n % 5 == 0 {
                                    // A retry of an acknowledged request (as after a lost answer): same position, nothing new.
                                    let again = try await HTTPResult.send(http, .post, "/v1/events", token: Self.append, body: line)
                                    guard again.status == 200, again.object?["events"]?.arrayValue?.first?["position"]?.integerValue == position else {
                                        throw LedgerError(.internal, "retry of \(id) answered \(again.status) \(again.text)")
                                    }
                                }
                            }
                            return acks
                        }
                    }
                }
                var all: [(UUID, Int)] = []
                for try await acks in group { all += acks }
                return all
            }
            #expect(acknowledged.count == 64 * perClient)
            let connection = try await server.database.connect()
            let rows = try await connection.execute("SELECT event_id::text, position FROM mcledger.events ORDER BY position")
            var stored: [String: Int] = [:]
            for row in 0..<rows.count { stored[rows.string(row, 0) ?? ""] = rows.int(row, 1) }
            #expect(rows.count == acknowledged.count)
            #expect((0..<rows.count).map { rows.int($0, 1) ?? 0 } == Array(1...rows.count))
            for (id, position) in acknowledged {
                #expect(stored[id.uuidString.lowercased()] == position)
            }
            let transactions = try await connection.execute("SELECT count(DISTINCT recorded_at) FROM mcledger.events").int(0, 0) ?? 0
            #expect(transactions < rows.count, "no two requests shared a transaction")
            await connection.close()
        }
    }

    @Test("a request with one illegal event among valid ones fails alone; its batch-mates commit in the same transaction")
    func illegalFailsAlone() async throws {
        try await ServerHarness.with(runProjector: false) { server in
            // Hold the append lock so the first request blocks in its
            // transaction and every later one queues for the next, shared one.
            let blocker = try await server.database.connect()
            try await blocker.execute("BEGIN")
            try await blocker.execute("SELECT mcledger.lock_appends()")
            let first = Task { try await server.request(.post, "/v1/events", token: Self.append, body: APIFixtures.pending("first")) }
            // The first request's transaction is running (blocked on the lock) before the others are sent.
            for _ in 0..<600 where await server.server.appendQueue() != (0, 1) {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(await server.server.appendQueue() == (0, 1))
            let bad = APIFixtures.ndjson([APIFixtures.pending("bad-1"), Fixtures.status("sent", instance: "exec-01", eventId: "bad-2"), APIFixtures.pending("bad-3")])
            let badTask = Task {
                try await server.request(.post, "/v1/events", token: Self.append, contentType: "application/x-ndjson", body: bad)
            }
            let good = (0..<8).map { n in
                Task { try await server.request(.post, "/v1/events", token: Self.append, body: APIFixtures.pending("good-\(n)")) }
            }
            // Release the lock once all nine requests wait for the next transaction.
            for _ in 0..<600 where await server.server.appendQueue().waiting < 9 {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(await server.server.appendQueue() == (9, 1))
            try await blocker.execute("COMMIT")
            await blocker.close()

            #expect(try await first.value.status == 201)
            let refused = try await badTask.value
            #expect(refused.status == 422)
            #expect(refused.errorObject?["line"]?.integerValue == 2)
            var goodPositions: [Int] = []
            for task in good {
                let result = try await task.value
                #expect(result.status == 201)
                if let position = result.object?["firstPosition"]?.integerValue { goodPositions.append(position) }
            }
            let connection = try await server.database.connect()
            let badStored = try await connection.execute(
                "SELECT count(*) FROM mcledger.events WHERE stream LIKE 'rtEvent-exec-01.bad-%'").int(0, 0)
            #expect(badStored == 0)
            let times = try await connection.execute(
                "SELECT count(DISTINCT recorded_at) FROM mcledger.events WHERE position = ANY($1::text[]::bigint[])",
                [.textArray(goodPositions.map(String.init))]).int(0, 0)
            #expect(goodPositions.count == 8)
            #expect(times == 1, "the valid requests did not share one transaction")
            await connection.close()
        }
    }
}
