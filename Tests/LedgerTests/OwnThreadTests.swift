import Dispatch
import Foundation
import Ledger
import Testing

/// Blocking work awaited from a task runs on threads of its own, so the
/// cooperative pool (as many threads as cores) stays free for other tasks.
@Suite("Blocking work on threads of its own")
struct OwnThreadTests {
    @Test("more blocked bodies than the pool has threads: a task still runs, and releases them")
    func poolStaysFree() async {
        let gate = DispatchSemaphore(value: 0)
        let blockers = ProcessInfo.processInfo.activeProcessorCount + 2
        // Each body waits for the gate; on the pool they would hold every
        // thread, the signalling below could never run, and they would time out.
        async let released: [Bool] = withTaskGroup(of: Bool.self) { group in
            for _ in 0..<blockers {
                group.addTask { await OwnThread.run("blocked") { () -> Bool in gate.wait(timeout: .now() + 30) == .success } }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        try? await Task.sleep(for: .milliseconds(200))
        for _ in 0..<blockers { gate.signal() }
        #expect(await released == Array(repeating: true, count: blockers))
    }

    @Test("a body's typed error reaches the caller")
    func typedError() async {
        let error = await #expect(throws: LedgerError.self) {
            try await OwnThread.run("failing") { () throws(LedgerError) -> Int in throw LedgerError(.usage, "named input was wrong") }
        }
        #expect(error?.code == .usage && error?.message == "named input was wrong")
    }
}
