import Foundation
import Ledger

/// A program the benchmark runs as its own process, timed, with its peak
/// memory (the child's `ru_maxrss`, from wait4).
///
/// posix_spawn and wait4 rather than Foundation's Process, which reaps the
/// child itself and so loses its resource usage.
struct ChildProcess {
    /// How a run ended.
    struct Outcome {
        var exitCode: Int32
        var seconds: Double
        /// Peak resident set size in bytes.
        var peakRSS: Int
    }

    let pid: pid_t
    let started: Date
    let command: String

    /// Starts `arguments[0]` with stdin from `input` (or /dev/null), stdout to
    /// `output` (or /dev/null), stderr to `errors` (or /dev/null), and
    /// `environment` added to this process's.
    static func start(_ arguments: [String], input: String? = nil, output: String? = nil, errors: String? = nil,
                      environment: [String: String] = [:]) throws(LedgerError) -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, input ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errors ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        var merged = ProcessInfo.processInfo.environment
        for (name, value) in environment { merged[name] = value }
        let cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let cEnvironment: [UnsafeMutablePointer<CChar>?] = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, cArguments, cEnvironment)
        guard spawned == 0 else {
            throw LedgerError(.internal, "cannot run \(arguments[0]): \(String(cString: strerror(spawned)))")
        }
        return ChildProcess(pid: pid, started: Date(), command: arguments.joined(separator: " "))
    }

    /// Runs to completion; a non-zero exit is an error naming the command and
    /// the end of its stderr file.
    static func run(_ arguments: [String], input: String? = nil, output: String? = nil, errors: String? = nil,
                    environment: [String: String] = [:]) async throws(LedgerError) -> Outcome {
        let child = try start(arguments, input: input, output: output, errors: errors, environment: environment)
        let outcome = try await child.wait()
        guard outcome.exitCode == 0 else {
            let tail = errors.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }.map { String($0.suffix(600)) } ?? ""
            throw LedgerError(.internal, "\(child.command) failed (exit \(outcome.exitCode)): \(tail)")
        }
        return outcome
    }

    /// Sends `signal` (SIGTERM by default).
    func signal(_ signal: Int32 = SIGTERM) {
        kill(pid, signal)
    }

    /// Waits for the child to end (on a thread of its own: wait4 blocks).
    func wait() async throws(LedgerError) -> Outcome {
        let pid = self.pid, started = self.started
        let result: Result<Outcome, LedgerError> = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var status: Int32 = 0
                var usage = rusage()
                while wait4(pid, &status, 0, &usage) < 0 {
                    guard errno == EINTR else {
                        continuation.resume(returning: .failure(LedgerError(.internal, "wait4 failed: \(String(cString: strerror(errno)))")))
                        return
                    }
                }
                let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
                continuation.resume(returning: .success(Outcome(
                    exitCode: exitCode, seconds: Date().timeIntervalSince(started), peakRSS: Int(usage.ru_maxrss) * 1024)))
            }
        }
        return try result.get()
    }

    /// This executable's path (for running `mcledger` subcommands).
    static func selfPath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
