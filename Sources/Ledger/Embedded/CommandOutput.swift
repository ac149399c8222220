import CSpawn
import Foundation

/// The result of running a helper program (initdb, pg_ctl, ...).
struct CommandOutput: Sendable {
    let exitCode: Int32
    let output: String

    /// Runs `executable` to completion, as the `postgres` user when `asServerUser`.
    /// A non-zero exit is an error naming the command and its output, unless `allowFailure`.
    ///
    /// Uses posix_spawn and waitpid rather than Foundation's Process: `pg_ctl
    /// start` leaves a server running that would inherit Process's exit
    /// notification descriptor, and Process would then wait for the server.
    /// Output goes to a file for the same reason (a pipe would never reach EOF).
    /// Every descriptor above stderr is closed in the child: the server that
    /// `pg_ctl start` leaves running would otherwise hold whatever the caller
    /// had open at that moment (another child's output pipe, whose reader
    /// would then wait for EOF until the server stops; a listening socket;
    /// the cluster's lock file), because Foundation opens its pipes and
    /// files without close-on-exec.
    static func run(_ executable: String, _ arguments: [String], asServerUser: Bool, allowFailure: Bool, workingDirectory: URL) throws(LedgerError) -> CommandOutput {
        // As the server user, start in "/": it may not be allowed into the caller's directory.
        let argv = asServerUser
            ? ["/usr/sbin/runuser", "-u", RunAs.serverUser, "--", "/bin/sh", "-c", "cd / && exec \"$0\" \"$@\"", executable] + arguments
            : [executable] + arguments
        let capture = FileManager.default.temporaryDirectory
            .appendingPathComponent("mcledger-cmd-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).out").path
        defer { unlink(capture) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, capture, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let closing = mcledger_spawn_close_from(&actions, 3)
        guard closing == 0 else {
            throw LedgerError(.databaseUnavailable, "cannot prepare to run \(argv[0]): \(String(cString: strerror(closing)))")
        }

        let cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, environ)
        guard spawned == 0 else {
            throw LedgerError(.databaseUnavailable, "cannot run \(argv[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else {
                throw LedgerError(.databaseUnavailable, "waiting for \(executable) failed: \(String(cString: strerror(errno)))")
            }
        }
        let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let output = (try? String(contentsOfFile: capture, encoding: .utf8)) ?? ""
        if exitCode != 0 && !allowFailure {
            let name = URL(fileURLWithPath: executable).lastPathComponent
            throw LedgerError(.databaseUnavailable, "\(name) failed (exit \(exitCode)): \(output.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return CommandOutput(exitCode: exitCode, output: output)
    }
}
