import CSpawn
import Foundation

/// Starting a program with posix_spawn: its standard streams from and to the
/// files named, and no other descriptor of this process.
///
/// Foundation opens its pipes and files without close-on-exec, so a program
/// spawned as is would hold whatever this process had open at that moment:
/// another child's output pipe (whose reader then waits for EOF as long as
/// the program runs), a listening socket, a lock file. That matters most for
/// `pg_ctl start`, whose server outlives the call (the likely cause of a CI
/// run that hung until its limit: a test waiting for EOF on a pipe that the
/// shared test cluster's server held).
public enum Spawn {
    /// Starts `arguments[0]` (a path) with `arguments`, stdin from `input`,
    /// stdout to `output` and stderr to `errors` (created or truncated; stderr
    /// shares stdout's file when `errors` is nil), in `environment` (this
    /// process's when nil). Returns its pid; the caller reaps it (waitpid).
    /// A failure to start is an error of `code` naming the program.
    public static func start(_ arguments: [String], input: String = "/dev/null", output: String, errors: String? = nil,
                             environment: [String: String]? = nil, failing code: LedgerError.Code) throws(LedgerError) -> pid_t {
        guard let program = arguments.first else { throw LedgerError(code, "no program to run (empty argument list)") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, input, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if let errors {
            posix_spawn_file_actions_addopen(&actions, 2, errors, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        let closing = mcledger_spawn_close_from(&actions, 3)
        guard closing == 0 else {
            throw LedgerError(code, "cannot prepare to run \(program): \(String(cString: strerror(closing)))")
        }

        let cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let cEnvironment: [UnsafeMutablePointer<CChar>?]? = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer {
            cArguments.forEach { free($0) }
            cEnvironment?.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = cEnvironment.map { posix_spawn(&pid, program, &actions, nil, cArguments, $0) }
            ?? posix_spawn(&pid, program, &actions, nil, cArguments, environ)
        guard spawned == 0 else {
            throw LedgerError(code, "cannot run \(program): \(String(cString: strerror(spawned)))")
        }
        return pid
    }

    /// The exit code of a reaped child from its waitpid status: its own code,
    /// or 128 + the signal that ended it (as a shell reports it).
    public static func exitCode(waitStatus status: Int32) -> Int32 {
        (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
