import Foundation

/// Progress reporting shared with the verifier's callback.
final class ProgressBox: @unchecked Sendable {
    private let lock = NSLock()
    private var reporter: ProgressReporter

    init(_ reporter: ProgressReporter) { self.reporter = reporter }

    func update(_ done: Int, _ total: Int) {
        lock.lock()
        reporter.update(done, of: total)
        lock.unlock()
    }

    func finish() {
        lock.lock()
        reporter.finish()
        lock.unlock()
    }
}
