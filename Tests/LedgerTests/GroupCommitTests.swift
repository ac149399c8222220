import Foundation
import Ledger
import LedgerTestSupport
import Testing

@Suite("Group commit")
struct GroupCommitTests {
    @Test("64 concurrent clients appending single events with idempotency keys: each acknowledged event is present exactly once, positions gapless, transactions shared")
    func concurrentSingleEvents() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let committer = GroupCommitter(store: try await database.store())
        let clients = 64, perClient = 10
        let acknowledged = try await withThrowingTaskGroup(of: [(UUID, Int)].self) { group in
            for client in 0..<clients {
                group.addTask {
                    var acks: [(UUID, Int)] = []
                    for n in 0..<perClient {
                        let id = UUID()
                        let event = try Fixtures.event(Fixtures.status("pending", instance: "exec-\(client % 3)", eventId: "c\(client)-\(n)", id: id))
                        let outcome = try await committer.append([event])
                        // A retry of an acknowledged append is acknowledged again at the same position.
                        if n == 0 { #expect(try await committer.append([event]).positions == outcome.positions) }
                        acks.append((id, outcome.positions[0]))
                    }
                    return acks
                }
            }
            var all: [(UUID, Int)] = []
            for try await acks in group { all += acks }
            return all
        }
        #expect(acknowledged.count == clients * perClient)
        let store = try await database.store()
        let rows = try await store.connection.execute("SELECT event_id::text, position FROM mcledger.events ORDER BY position")
        #expect(rows.count == clients * perClient)
        var stored: [String: Int] = [:]
        for row in 0..<rows.count {
            #expect(rows.int(row, 1) == row + 1, "gapless")
            stored[rows.string(row, 0) ?? ""] = rows.int(row, 1)
        }
        for (id, position) in acknowledged { #expect(stored[id.uuidString.lowercased()] == position) }
        let transactions = await committer.transactions
        #expect(transactions < clients * perClient, "requests share transactions (\(transactions) for \(clients * perClient + clients) requests)")
        #expect(try await Verifier(store: store).verify().ok)
    }

    @Test("a request with an illegal event among valid ones in the same transaction fails alone")
    func failingRequestFailsAlone() async throws {
        let store = try await TestCluster.shared.freshDatabase().store()
        let valid1 = [try Fixtures.event(Fixtures.status("pending", instance: "exec-01", eventId: "a"))]
        let invalid = [try Fixtures.event(Fixtures.status("pending", instance: "exec-01", eventId: "b")),
                       try Fixtures.event(Fixtures.status("sent", instance: "exec-01", eventId: "b"))] // pending -> sent is illegal
        let stale = [try Fixtures.event(Fixtures.line(type: "InstanceRegistered", data: ["instance": "x", "role": "execution"], expectedVersion: 3))]
        let valid2 = [try Fixtures.event(Fixtures.status("pendingDelivery", instance: "exec-01", eventId: "a"))]
        let results = try await store.append(requests: [valid1, invalid, stale, valid2])
        #expect((try? results[0].get())?.positions == [1])
        #expect(results[1].failure?.code == .illegalTransition)
        #expect(results[1].failure?.details["index"] == "1")
        #expect(results[2].failure?.code == .conflict)
        #expect((try? results[3].get())?.positions == [2], "a later request continues the stream an earlier one started")
        #expect(try await store.count() == 2)
        #expect(try await store.readStream("rtEvent-exec-01.b").isEmpty)
    }

    @Test("repeats across requests of one transaction are acknowledged once")
    func repeatsAcrossRequests() async throws {
        let store = try await TestCluster.shared.freshDatabase().store()
        let event = try Fixtures.event(Fixtures.status("pending", instance: "exec-01", eventId: "a", id: UUID()))
        let results = try await store.append(requests: [[event], [event]])
        #expect((try? results[0].get())?.positions == [1])
        #expect((try? results[1].get())?.positions == [1])
        #expect((try? results[1].get())?.duplicates == 1)
        #expect(try await store.count() == 1)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
