import Foundation
import Ledger

/// Runs the built `mcledger` executable, as a user would.
public enum CLI {
    /// What one run printed and how it exited.
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// The `mcledger` binary next to the test bundle.
    public static var executable: URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // Inside an .xctest bundle on some platforms the binary is nested deeper.
        for _ in 0..<4 where !FileManager.default.fileExists(atPath: directory.appendingPathComponent("mcledger").path) {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("mcledger")
    }

    /// Runs `mcledger arguments...` against `database` with `stdin` as input.
    ///
    /// The waiting happens on a thread of its own: blocked in `waitUntilExit`
    /// on one of Swift concurrency's few threads (two on two cores), parallel
    /// CLI tests starved the in-process servers other tests were talking to.
    public static func run(_ arguments: [String], database: TestDatabase? = nil, stdin: String = "", environment: [String: String] = [:]) async throws -> Result {
        try await OwnThread.run("cli-run") { () throws(any Error) in
            try runBlocking(arguments, database: database, stdin: stdin, environment: environment)
        }
    }

    /// Longest one run may take before it is killed and the test fails
    /// (the slowest, the benchmark's smallest sizes, take about a minute).
    public static let runTimeout: TimeInterval = 900
    /// How long the output may stay open after `mcledger` exited: only a
    /// process it left running (a leaked descriptor) could hold it open.
    public static let drainTimeout: TimeInterval = 30

    /// A run that did not finish: killed at `runTimeout`, or its output held
    /// open by another process after it exited.
    public struct Unfinished: Error, CustomStringConvertible {
        public let description: String
    }

    private static func runBlocking(_ arguments: [String], database: TestDatabase?, stdin: String, environment: [String: String]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        var env = ProcessInfo.processInfo.environment
        if let database { env["MCLEDGER_DATABASE_URL"] = database.conninfo }
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.arguments = arguments
        let input = Pipe(), output = Pipe(), error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        // Feed stdin and drain both outputs concurrently so no pipe fills up.
        let writer = Thread {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let outputBox = Locked(Data()), errorBox = Locked(Data())
        let drained = DispatchGroup()
        for (pipe, box) in [(output, outputBox), (error, errorBox)] {
            drained.enter()
            Thread {
                box.set(pipe.fileHandleForReading.readDataToEndOfFile())
                drained.leave()
            }.start()
        }

        // Waits with deadlines, so that a hang fails this test instead of the whole run.
        let command = "mcledger \(arguments.joined(separator: " "))"
        if exited.wait(timeout: .now() + runTimeout) == .timedOut {
            process.terminate()
            if exited.wait(timeout: .now() + 2) == .timedOut { kill(process.processIdentifier, SIGKILL) }
            _ = drained.wait(timeout: .now() + 2)
            throw Unfinished(description: "\(command) did not finish within \(Int(runTimeout)) s and was killed; it printed on stderr:\n\(String(decoding: errorBox.value.suffix(4000), as: UTF8.self))")
        }
        process.waitUntilExit()
        if drained.wait(timeout: .now() + drainTimeout) == .timedOut {
            throw Unfinished(description: "\(command) exited with status \(process.terminationStatus), but its stdout or stderr was still open \(Int(drainTimeout)) s later: another process (one it started?) holds the pipe")
        }
        return Result(status: process.terminationStatus, stdout: String(decoding: outputBox.value, as: UTF8.self), stderr: String(decoding: errorBox.value, as: UTF8.self))
    }
}
