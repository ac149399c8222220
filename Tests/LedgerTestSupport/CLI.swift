import Foundation

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
        let outcome: Swift.Result<Result, any Error> = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                do {
                    continuation.resume(returning: .success(try runBlocking(arguments, database: database, stdin: stdin, environment: environment)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try outcome.get()
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
        try process.run()
        // Feed stdin and drain both outputs concurrently so no pipe fills up.
        let writer = Thread {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let errorBox = DataBox()
        let errorReader = Thread { errorBox.data = error.fileHandleForReading.readDataToEndOfFile() }
        errorReader.start()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorBox.isSet { usleep(1000) }
        return Result(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: errorBox.data, as: UTF8.self))
    }
}

private final class DataBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Data?
    var data: Data {
        get { lock.lock(); defer { lock.unlock() }; return stored ?? Data() }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return stored != nil }
}
