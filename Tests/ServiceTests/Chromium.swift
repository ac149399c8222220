import Foundation

/// Debian's Chromium, run headless (`--dump-dom`, `--screenshot`) against a
/// test server, each run with a throwaway profile and a deadline: a browser
/// that hangs is killed and the test fails instead of hanging.
struct Chromium: Sendable {
    /// Longest a run may take (a cold start on a busy 2-core machine takes seconds).
    static let timeout: Duration = .seconds(120)
    /// Names looked up on PATH, after `$CHROMIUM`.
    static let names = ["chromium", "chromium-browser", "google-chrome"]

    let executable: String

    /// A failed or timed-out run, with what the browser printed.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The browser, or nil when none is installed.
    static func locate() -> Chromium? {
        let environment = ProcessInfo.processInfo.environment
        if let given = environment["CHROMIUM"], FileManager.default.isExecutableFile(atPath: given) {
            return Chromium(executable: given)
        }
        let directories = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        for name in names {
            for directory in directories where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
                return Chromium(executable: "\(directory)/\(name)")
            }
        }
        return nil
    }

    /// The DOM of `url` after it loaded (redirects followed, cookies kept).
    func dumpDOM(_ url: String) async throws -> String {
        try await run(["--dump-dom", url]).output
    }

    /// A PNG of `url` in a `width` x `height` window.
    func screenshot(_ url: String, width: Int, height: Int) async throws -> [UInt8] {
        let file = Self.temporaryPath("png")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try await run(["--screenshot=\(file)", "--window-size=\(width),\(height)", "--hide-scrollbars", url])
        guard let data = FileManager.default.contents(atPath: file) else {
            throw Failure(description: "chromium wrote no screenshot at \(file); it printed:\n\(run.errors)")
        }
        return Array(data)
    }

    /// Runs the browser headless with `arguments`; stdout and stderr go to files
    /// (its helper processes may hold a pipe open after it exits).
    func run(_ arguments: [String]) async throws -> (output: String, errors: String) {
        let profile = Self.temporaryPath("profile")
        let outPath = Self.temporaryPath("out"), errPath = Self.temporaryPath("err")
        defer {
            for path in [profile, outPath, errPath] { try? FileManager.default.removeItem(atPath: path) }
        }
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        guard let out = FileHandle(forWritingAtPath: outPath), let err = FileHandle(forWritingAtPath: errPath) else {
            throw Failure(description: "cannot create the capture files in \(NSTemporaryDirectory())")
        }
        defer { try? out.close(); try? err.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                             "--no-default-browser-check", "--disable-extensions", "--user-data-dir=\(profile)"] + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()

        let deadline = ContinuousClock.now + Self.timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                process.terminate()
                try? await Task.sleep(for: .seconds(3))
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                let errors = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
                throw Failure(description: "chromium did not finish within \(Self.timeout) (\(arguments.joined(separator: " "))); it printed:\n\(errors.suffix(4000))")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            throw Failure(description: "chromium exited with status \(process.terminationStatus) (\(arguments.joined(separator: " "))):\n\(errors.suffix(4000))")
        }
        return (output, errors)
    }

    private static func temporaryPath(_ suffix: String) -> String {
        NSTemporaryDirectory() + "mcledger-chromium-\(getpid())-\(UUID().uuidString).\(suffix)"
    }
}
