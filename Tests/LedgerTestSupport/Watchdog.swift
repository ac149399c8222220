import Foundation
import Ledger

/// A detached process that outlives the test run: once this process is gone
/// (finished, crashed or killed), it stops `clusters` (immediate shutdown) and
/// removes `directory`, so no throwaway cluster is left behind.
enum Watchdog {
    static func cleanUp(after clusters: [EmbeddedCluster], removing directory: URL) throws {
        let pgCtl = try EmbeddedCluster.serverCommand("pg_ctl")
        let stop = geteuid() == 0 ? "runuser -u postgres -- \(pgCtl)" : pgCtl
        let stops = clusters.map { "\(stop) -D '\($0.home.appendingPathComponent("data").path)' -m immediate stop >/dev/null 2>&1" }
        let script = """
            while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done
            \(stops.joined(separator: "\n"))
            rm -rf '\(directory.path)'
            """
        let watchdog = Process()
        watchdog.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        watchdog.arguments = ["/bin/sh", "-c", script]
        watchdog.standardInput = FileHandle.nullDevice
        watchdog.standardOutput = FileHandle.nullDevice
        watchdog.standardError = FileHandle.nullDevice
        try watchdog.run()
    }
}

extension TestDatabase {
    /// Runs `sql` as the superuser with the immutability triggers disabled,
    /// then enables them again (the tampering an auditor must catch).
    public func tamper(_ sql: String) async throws {
        let connection = try await connect()
        try await connection.executeScript("""
            ALTER TABLE mcledger.events DISABLE TRIGGER USER;
            \(sql);
            ALTER TABLE mcledger.events ENABLE ALWAYS TRIGGER events_refuse_update_delete;
            ALTER TABLE mcledger.events ENABLE ALWAYS TRIGGER events_refuse_truncate;
            """)
        await connection.close()
    }
}
