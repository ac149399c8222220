import Foundation

/// The result of running a helper program (initdb, pg_ctl, ...).
struct CommandOutput: Sendable {
    let exitCode: Int32
    let output: String

    /// Runs `executable` to completion, as the `postgres` user when `asServerUser`.
    /// A non-zero exit is an error naming the command and its output, unless `allowFailure`.
    ///
    /// Uses `Spawn` and waitpid rather than Foundation's Process: `pg_ctl
    /// start` leaves a server running that would inherit Process's exit
    /// notification descriptor, and Process would then wait for the server.
    /// Output goes to a file for the same reason (a pipe would never reach EOF).
    static func run(_ executable: String, _ arguments: [String], asServerUser: Bool, allowFailure: Bool, workingDirectory: URL) throws(LedgerError) -> CommandOutput {
        // As the server user, start in "/": it may not be allowed into the caller's directory.
        let argv = asServerUser
            ? ["/usr/sbin/runuser", "-u", RunAs.serverUser, "--", "/bin/sh", "-c", "cd / && exec \"$0\" \"$@\"", executable] + arguments
            : [executable] + arguments
        let capture = FileManager.default.temporaryDirectory
            .appendingPathComponent("mcledger-cmd-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).out").path
        defer { unlink(capture) }

        let pid = try Spawn.start(argv, output: capture, failing: .databaseUnavailable)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else {
                throw LedgerError(.databaseUnavailable, "waiting for \(executable) failed: \(String(cString: strerror(errno)))")
            }
        }
        let exitCode = Spawn.exitCode(waitStatus: status)
        let output = (try? String(contentsOfFile: capture, encoding: .utf8)) ?? ""
        if exitCode != 0 && !allowFailure {
            let name = URL(fileURLWithPath: executable).lastPathComponent
            throw LedgerError(.databaseUnavailable, "\(name) failed (exit \(exitCode)): \(output.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return CommandOutput(exitCode: exitCode, output: output)
    }
}
