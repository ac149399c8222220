import Foundation

/// A private PostgreSQL cluster under one directory, created with `initdb`
/// once and started with `pg_ctl` when needed, listening on a Unix socket only.
///
/// This is mcledger's embedded default (`./.mcledger/` or `$MCLEDGER_HOME`)
/// and the test harness's throwaway cluster. PostgreSQL refuses to run as
/// root, so when mcledger runs as root the cluster belongs to, and runs as,
/// the `postgres` user.
public struct EmbeddedCluster: Sendable {
    /// The directory that holds `data/`, the socket and `postgres.log`.
    public let home: URL
    /// Extra `-c name=value` server settings.
    public var settings: [String: String]
    /// Skip fsync in initdb (throwaway clusters only).
    public var fastInit: Bool

    /// Name of the database mcledger uses inside the cluster.
    public static let databaseName = "mcledger"
    /// Bootstrap superuser of the cluster.
    public static let superuser = "postgres"
    /// Seconds `pg_ctl` waits for start or stop.
    static let startTimeoutSeconds = 60
    /// Longest Unix socket path the kernel accepts, minus the socket file name.
    static let maxSocketDirectoryLength = 107 - ".s.PGSQL.5432".count - 1

    public init(home: URL, settings: [String: String] = [:], fastInit: Bool = false) {
        self.home = home.standardizedFileURL
        self.settings = settings
        self.fastInit = fastInit
    }

    /// `$MCLEDGER_HOME`, or `./.mcledger` in the current directory.
    public static func defaultHome(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let home = environment["MCLEDGER_HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home, isDirectory: true)
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
            .appendingPathComponent(".mcledger", isDirectory: true)
    }

    var dataDirectory: URL { home.appendingPathComponent("data", isDirectory: true) }
    var logFile: URL { home.appendingPathComponent("postgres.log") }

    /// libpq conninfo for `database` in this cluster.
    public func conninfo(database: String = EmbeddedCluster.databaseName) -> String {
        "host='\(home.path)' port=5432 user=\(Self.superuser) dbname='\(database)'"
    }

    /// Creates (once) and starts (if needed) the cluster, then makes sure the
    /// mcledger database exists. Returns its conninfo. Safe to call from
    /// several processes at once (serialised by a lock file).
    public func start() async throws(LedgerError) -> String {
        // initdb, pg_ctl and another process's lock take seconds: not on the cooperative pool.
        try await OwnThread.run("mcledger-cluster-start") { () throws(LedgerError) in
            let tools = try PostgresTools.locate()
            try prepareHome()
            try withLockFile { () throws(LedgerError) in
                if !FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("PG_VERSION").path) {
                    try initialize(tools)
                }
                if try !isRunning(tools) {
                    try launch(tools)
                }
            }
        }
        try await ensureDatabase(Self.databaseName)
        return conninfo()
    }

    /// The path of a PostgreSQL server program (`pg_ctl`, `initdb`, `postgres`).
    public static func serverCommand(_ name: String) throws(LedgerError) -> String {
        let tools = try PostgresTools.locate()
        return URL(fileURLWithPath: tools.pgCtl).deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// Stops the server (`immediate` skips the shutdown checkpoint). Blocks
    /// until it is down; from a task, use `shutDown(immediate:)`.
    public func stop(immediate: Bool = false) throws(LedgerError) {
        let tools = try PostgresTools.locate()
        guard try isRunning(tools) else { return }
        _ = try run(tools.pgCtl, ["-D", dataDirectory.path, "-w", "-t", "\(Self.startTimeoutSeconds)", "-m", immediate ? "immediate" : "fast", "stop"])
    }

    /// `stop(immediate:)` on a thread of its own (a fast shutdown's
    /// checkpoint may take seconds).
    public func shutDown(immediate: Bool = false) async throws(LedgerError) {
        try await OwnThread.run("mcledger-cluster-stop") { () throws(LedgerError) in try stop(immediate: immediate) }
    }

    /// Creates `name` if it does not exist yet.
    public func ensureDatabase(_ name: String, template: String? = nil) async throws(LedgerError) {
        let admin = try await PostgresConnection.connect(conninfo(database: "postgres"))
        defer { Task { await admin.close() } }
        let exists = try await admin.execute("SELECT 1 FROM pg_database WHERE datname = $1", [.text(name)]).count == 1
        if !exists {
            var sql = "CREATE DATABASE \(try SQLIdentifier.quote(name)) ENCODING 'UTF8'"
            if let template { sql += " TEMPLATE \(try SQLIdentifier.quote(template))" }
            do throws(LedgerError) {
                try await admin.execute(sql)
            } catch where error.details["sqlstate"] == "42P04" {
                // created concurrently by another process: that is what we wanted
            }
        }
    }

    private func prepareHome() throws(LedgerError) {
        guard home.path.utf8.count <= Self.maxSocketDirectoryLength else {
            throw LedgerError(.usage, "the embedded cluster directory '\(home.path)' is too long for a Unix socket path (at most \(Self.maxSocketDirectoryLength) bytes); set MCLEDGER_HOME to a shorter path")
        }
        do {
            try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw LedgerError(.usage, "cannot create the embedded cluster directory '\(home.path)': \(error.localizedDescription)")
        }
        if RunAs.isRoot {
            _ = try run("/bin/chown", [RunAs.serverUser, home.path], asServerUser: false)
            // The server user must be able to reach the directory through every parent.
            do {
                _ = try run("/usr/bin/test", ["-w", home.path, "-a", "-x", home.path])
            } catch {
                throw LedgerError(.usage, "the embedded cluster directory '\(home.path)' is not reachable by the '\(RunAs.serverUser)' user that PostgreSQL runs as (a parent directory is private?); set MCLEDGER_HOME to a directory it can reach, e.g. under /var/tmp, or pass --database-url")
            }
        }
    }

    private func initialize(_ tools: PostgresTools) throws(LedgerError) {
        var arguments = ["-D", dataDirectory.path, "-U", Self.superuser, "--auth=trust", "--encoding=UTF8", "--locale=C"]
        if fastInit { arguments.append("--no-sync") }
        _ = try run(tools.initdb, arguments)
    }

    private func isRunning(_ tools: PostgresTools) throws(LedgerError) -> Bool {
        let status = try run(tools.pgCtl, ["-D", dataDirectory.path, "status"], allowFailure: true)
        return status.exitCode == 0
    }

    private func launch(_ tools: PostgresTools) throws(LedgerError) {
        var options = ["-c listen_addresses=''", "-c unix_socket_directories='\(home.path)'", "-c unix_socket_permissions=0700"]
        for (name, value) in settings.sorted(by: { $0.key < $1.key }) { options.append("-c \(name)=\(value)") }
        do {
            _ = try run(tools.pgCtl, ["-D", dataDirectory.path, "-l", logFile.path, "-w", "-t", "\(Self.startTimeoutSeconds)", "-o", options.joined(separator: " "), "start"])
        } catch {
            let tail = (try? String(contentsOf: logFile, encoding: .utf8))?.split(separator: "\n").suffix(5).joined(separator: "\n") ?? ""
            throw LedgerError(.databaseUnavailable, "\(error.message)\nlast lines of \(logFile.path):\n\(tail)")
        }
    }

    private func withLockFile(_ body: () throws(LedgerError) -> Void) throws(LedgerError) {
        let path = home.appendingPathComponent("mcledger.lock").path
        let descriptor = open(path, O_CREAT | O_RDWR, 0o600)
        guard descriptor >= 0 else { throw LedgerError(.usage, "cannot open lock file \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX) == 0 else { throw LedgerError(.usage, "cannot lock \(path): \(String(cString: strerror(errno)))") }
        defer { flock(descriptor, LOCK_UN) }
        try body()
    }

    private func run(_ executable: String, _ arguments: [String], allowFailure: Bool = false, asServerUser: Bool = true) throws(LedgerError) -> CommandOutput {
        try CommandOutput.run(executable, arguments, asServerUser: asServerUser && RunAs.isRoot, allowFailure: allowFailure, workingDirectory: home)
    }
}

/// Locations of the PostgreSQL server programs.
struct PostgresTools: Sendable {
    let initdb: String
    let pgCtl: String

    /// Finds `initdb` and `pg_ctl`: `$MCLEDGER_PG_BIN`, the newest
    /// `/usr/lib/postgresql/*/bin`, then `$PATH`.
    static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws(LedgerError) -> PostgresTools {
        var candidates: [String] = []
        if let bin = environment["MCLEDGER_PG_BIN"], !bin.isEmpty { candidates.append(bin) }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        for version in versions.compactMap(Int.init).sorted(by: >) { candidates.append("/usr/lib/postgresql/\(version)/bin") }
        candidates += (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for directory in candidates {
            let initdb = directory + "/initdb"
            let pgCtl = directory + "/pg_ctl"
            if FileManager.default.isExecutableFile(atPath: initdb) && FileManager.default.isExecutableFile(atPath: pgCtl) {
                return PostgresTools(initdb: initdb, pgCtl: pgCtl)
            }
        }
        throw LedgerError(.databaseUnavailable, "PostgreSQL server programs (initdb, pg_ctl) were not found in MCLEDGER_PG_BIN, /usr/lib/postgresql/*/bin or PATH. Install them (Debian/Ubuntu: apt-get install postgresql), or pass --database-url / MCLEDGER_DATABASE_URL to use an existing server.")
    }
}

/// Who the server runs as.
enum RunAs {
    static let serverUser = "postgres"
    static var isRoot: Bool { geteuid() == 0 }
}
