import Foundation
import Ledger

/// The throwaway PostgreSQL cluster of one test run.
///
/// Started on first use under a fresh directory in the temp folder, with a
/// migrated template database from which every suite clones its own database.
/// A detached watchdog stops the server and removes the directory as soon as
/// the test process ends, however it ends (normal exit, failure, crash).
public actor TestCluster {
    /// The one cluster of this test process.
    public static let shared = TestCluster()

    static let templateName = "mcledger_template"
    private var starting: Task<EmbeddedCluster, any Error>?
    private var databases = 0

    /// The running cluster (started on first call; concurrent callers share the start).
    public func cluster() async throws -> EmbeddedCluster {
        if let starting { return try await starting.value }
        let task = Task { try await Self.start() }
        starting = task
        return try await task.value
    }

    private static func start() async throws -> EmbeddedCluster {
        let cluster = try separateCluster(
            settings: ["fsync": "off", "full_page_writes": "off", "max_connections": "300", "shared_buffers": "128MB"])
        _ = try await cluster.start()
        try await cluster.ensureDatabase(Self.templateName)
        let connection = try await PostgresConnection.connect(cluster.conninfo(database: Self.templateName))
        try await Migrator().migrate(connection)
        await connection.close()
        return cluster
    }

    /// A cluster of its own (not the shared one) under a fresh directory in the
    /// temp folder, not started yet; a watchdog stops it and removes the
    /// directory when the test process ends, however it ends.
    public static func separateCluster(settings: [String: String] = [:]) throws -> EmbeddedCluster {
        let home = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("mcledger-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let cluster = EmbeddedCluster(home: home, settings: settings, fastInit: true)
        try Watchdog.cleanUp(after: [cluster], removing: home)
        return cluster
    }

    /// A new database, cloned from the migrated template, for one suite or test.
    public func freshDatabase() async throws -> TestDatabase {
        let cluster = try await cluster()
        databases += 1
        let name = "t\(databases)_\(UInt16.random(in: 0...UInt16.max))"
        try await cluster.ensureDatabase(name, template: Self.templateName)
        return TestDatabase(name: name, conninfo: cluster.conninfo(database: name), cluster: cluster)
    }
}

/// One database of the test cluster.
public struct TestDatabase: Sendable {
    public let name: String
    public let conninfo: String
    public let cluster: EmbeddedCluster

    /// A new connection to this database.
    public func connect() async throws -> PostgresConnection {
        try await PostgresConnection.connect(conninfo)
    }

    /// A new connection as `role` (SET ROLE after connecting as the superuser).
    public func connect(as role: String) async throws -> PostgresConnection {
        let connection = try await connect()
        try await connection.execute("SET ROLE \(try SQLIdentifier.quote(role))")
        return connection
    }

    /// An event store on a new connection, with a stream head cache of its
    /// own (as `mcledger append` and `serve` have) unless `cached` is false.
    public func store(cached: Bool = true) async throws -> EventStore {
        EventStore(connection: try await connect(), heads: cached ? StreamHeadCache() : nil)
    }
}
