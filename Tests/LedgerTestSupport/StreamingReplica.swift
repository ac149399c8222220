import Foundation
import Ledger

/// A primary cluster and a hot standby streaming from it, both throwaway,
/// for the tests of the read-replica path (`mcledger serve --read-url`).
///
/// The primary is a cluster of its own (not the shared `TestCluster`, whose
/// many test databases would make the base backup large); the standby is made
/// with `pg_basebackup -R -X stream` (so it starts as a streaming standby with
/// `primary_conninfo` pointing at the primary's socket) and started with hot
/// standby on its own socket directory. A watchdog stops both and removes
/// their directory when the test process ends, however it ends.
public struct StreamingReplica: Sendable {
    /// Seconds to wait for the standby to replay up to a given LSN.
    public static let replayTimeoutSeconds = 60

    public let primary: EmbeddedCluster
    public let standby: EmbeddedCluster
    let root: URL

    /// The mcledger database on the primary (migrated) and on the standby.
    public var primaryConninfo: String { primary.conninfo() }
    public var standbyConninfo: String { standby.conninfo() }

    /// Starts a migrated primary and a streaming standby of it under `/tmp/replica-*`.
    public static func start() async throws -> StreamingReplica {
        let root = URL(fileURLWithPath: "/tmp/replica-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let settings = ["fsync": "off", "full_page_writes": "on", "max_connections": "60", "shared_buffers": "32MB",
                        "wal_level": "replica", "max_wal_senders": "4", "hot_standby": "on"]
        let primary = EmbeddedCluster(home: root.appendingPathComponent("primary"), settings: settings, fastInit: true)
        let standby = EmbeddedCluster(home: root.appendingPathComponent("standby"), settings: settings)
        try Watchdog.cleanUp(after: [primary, standby], removing: root)
        _ = try await primary.start()
        let connection = try await PostgresConnection.connect(primary.conninfo())
        try await Migrator().migrate(connection)
        await connection.close()

        // The standby's home, owned by the server user, then its data directory from a base backup.
        try FileManager.default.createDirectory(at: standby.home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        if geteuid() == 0 { try await run("/bin/chown", ["postgres", standby.home.path], asServerUser: false) }
        try await run(try EmbeddedCluster.serverCommand("pg_basebackup"), [
            "-D", standby.home.appendingPathComponent("data").path, "-R", "-X", "stream", "--checkpoint=fast", "--no-sync",
            "-d", "host='\(primary.home.path)' port=5432 user=\(EmbeddedCluster.superuser)",
        ])
        _ = try await standby.start()
        let replica = StreamingReplica(primary: primary, standby: standby, root: root)
        try await replica.waitForReplay()
        return replica
    }

    /// Waits until the standby has replayed everything the primary has written so far.
    public func waitForReplay() async throws {
        let primaryConnection = try await PostgresConnection.connect(primary.conninfo(database: "postgres"))
        let target = try await primaryConnection.execute("SELECT pg_current_wal_lsn()::text").string(0, 0) ?? "0/0"
        await primaryConnection.close()
        let standbyConnection = try await PostgresConnection.connect(standby.conninfo(database: "postgres"))
        defer { Task { await standbyConnection.close() } }
        for _ in 0..<(Self.replayTimeoutSeconds * 20) {
            let replayed = try await standbyConnection.execute(
                "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", [.text(target)]).bool(0, 0) ?? false
            if replayed { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw LedgerError(.internal, "the standby did not replay up to \(target) within \(Self.replayTimeoutSeconds) s")
    }

    /// Stops the standby (fast shutdown); `startStandby` starts it again, streaming where it stopped.
    public func stopStandby() async throws {
        try await standby.shutDown()
    }

    public func startStandby() async throws {
        _ = try await standby.start()
    }

    /// Stops both servers and removes their directory.
    public func shutdown() {
        try? standby.stop(immediate: true)
        try? primary.stop(immediate: true)
        try? FileManager.default.removeItem(at: root)
    }

    /// Runs a program that exits (never one that leaves a server behind:
    /// Process would wait for it), as the server user when root, on a
    /// thread of its own (a base backup takes seconds).
    private static func run(_ executable: String, _ arguments: [String], asServerUser: Bool = true) async throws {
        try await OwnThread.run("replica-\(URL(fileURLWithPath: executable).lastPathComponent)") { () throws(any Error) in
            let process = Process()
            if asServerUser && geteuid() == 0 {
                process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
                process.arguments = ["-u", "postgres", "--", executable] + arguments
            } else {
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = arguments
            }
            process.currentDirectoryURL = URL(fileURLWithPath: "/")
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw LedgerError(.internal, "\(executable) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus): \(text)")
            }
        }
    }
}
