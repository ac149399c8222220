import Foundation
import Ledger

/// A program the benchmark runs as its own process, timed, with its peak
/// memory (its `VmHWM`, polled while it runs).
///
/// posix_spawn and waitpid rather than Foundation's Process, which reaps the
/// child on a thread of its own.
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

    /// Waits for the child to end, on a thread of its own, polling its peak
    /// resident set (`VmHWM`) meanwhile. (wait4's `ru_maxrss` is no use here:
    /// posix_spawn's child shares this process's memory until it execs, and
    /// Linux carries that high-water mark over the exec.)
    func wait() async throws(LedgerError) -> Outcome {
        let pid = self.pid, started = self.started
        let result: Result<Outcome, LedgerError> = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var status: Int32 = 0
                var peak = 0
                while true {
                    let reaped = waitpid(pid, &status, WNOHANG)
                    if reaped == pid { break }
                    if reaped < 0 && errno != EINTR {
                        continuation.resume(returning: .failure(LedgerError(.internal, "waitpid failed: \(String(cString: strerror(errno)))")))
                        return
                    }
                    peak = max(peak, Self.peakResidentBytes(pid))
                    usleep(Self.pollMicroseconds)
                }
                let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
                continuation.resume(returning: .success(Outcome(
                    exitCode: exitCode, seconds: Date().timeIntervalSince(started), peakRSS: peak)))
            }
        }
        return try result.get()
    }

    /// How often a running child's peak memory is read.
    static let pollMicroseconds: UInt32 = 20_000

    /// `VmHWM` of a running process in bytes (0 when it cannot be read).
    static func peakResidentBytes(_ pid: pid_t) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return 0 }
        let kilobytes = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) } ?? 0
        return kilobytes * 1024
    }

    /// This executable's path (for running `mcledger` subcommands).
    static func selfPath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
