import Foundation

/// Blocking work (waiting for a child process, a file lock, a server to
/// start) done on a thread of its own, awaited without occupying one of the
/// threads of Swift concurrency's cooperative pool.
///
/// The pool has as many threads as cores (two here): `initdb` or `pg_ctl
/// start` run on it for seconds would stall every other task of the process,
/// an in-process server's request handlers and deadline sweeper included.
public enum OwnThread {
    /// Runs `body` on a new thread named `name`; returns what it returns or throws what it throws.
    public static func run<T: Sendable, E: Error>(
        _ name: String, _ body: @escaping @Sendable () throws(E) -> T
    ) async throws(E) -> T {
        let outcome: Result<T, E> = await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: Result { () throws(E) -> T in try body() })
            }
            thread.name = name
            thread.start()
        }
        return try outcome.get()
    }
}
