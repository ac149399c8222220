import Foundation
import Ledger

/// A program the benchmark runs as its own process, timed, with its peak
/// memory (its `VmHWM`, polled while it runs).
///
/// `Spawn` (posix_spawn, no inherited descriptors) and waitpid rather than
/// Foundation's Process, which reaps the child on a thread of its own.
struct ChildProcess {
    /// How a run ended.
    struct Outcome {
        var exitCode: Int32
        var seconds: Double
        /// Peak resident set size in bytes.
        var peakRSS: Int
        /// CPU time of the child, user + system, in seconds (from wait4).
        var cpuSeconds = 0.0
    }

    let pid: pid_t
    let started: Date
    let command: String

    /// Starts `arguments[0]` with stdin from `input` (or /dev/null), stdout to
    /// `output` (or /dev/null), stderr to `errors` (or /dev/null), and
    /// `environment` added to this process's.
    static func start(_ arguments: [String], input: String? = nil, output: String? = nil, errors: String? = nil,
                      environment: [String: String] = [:]) throws(LedgerError) -> ChildProcess {
        var merged = ProcessInfo.processInfo.environment
        for (name, value) in environment { merged[name] = value }
        let pid = try Spawn.start(arguments, input: input ?? "/dev/null", output: output ?? "/dev/null",
                                  errors: errors ?? "/dev/null", environment: merged, failing: .internal)
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
        return try await OwnThread.run("bench-wait") { () throws(LedgerError) -> Outcome in
            var status: Int32 = 0
            var usage = rusage()
            var peak = 0
            while true {
                let reaped = wait4(pid, &status, WNOHANG, &usage)
                if reaped == pid { break }
                if reaped < 0 && errno != EINTR {
                    throw LedgerError(.internal, "wait4 failed: \(String(cString: strerror(errno)))")
                }
                peak = max(peak, Self.peakResidentBytes(pid))
                usleep(Self.pollMicroseconds)
            }
            let exitCode = Spawn.exitCode(waitStatus: status)
            let cpu = [usage.ru_utime, usage.ru_stime].reduce(0.0) { $0 + Double($1.tv_sec) + Double($1.tv_usec) / 1e6 }
            return Outcome(exitCode: exitCode, seconds: Date().timeIntervalSince(started), peakRSS: peak, cpuSeconds: cpu)
        }
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
