import Hummingbird
import Ledger
import Logging
import Projections
import ServiceLifecycle

/// `mcledger serve`: the HTTP API, metrics and dashboard over one ledger.
///
/// Appends from concurrent requests are coalesced by a `GroupCommitter` into
/// shared transactions on one connection; reads use a bounded pool; the
/// projector runs in-process. `run()` serves until SIGTERM/SIGINT, then
/// stops accepting, lets in-flight requests (and so their commit) finish,
/// stops the projector and closes every connection.
public struct LedgerServer: Sendable {
    public let configuration: ServerConfiguration
    let services: LedgerServices

    public init(configuration: ServerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.services = LedgerServices(configuration: configuration, logger: logger)
    }

    public var metrics: LedgerMetrics { services.metrics }

    /// Append requests queued for the next group-commit transaction, and in the one running.
    public func appendQueue() async -> (waiting: Int, committing: Int) {
        (await services.committer.waiting, await services.committer.committing)
    }

    /// The Hummingbird application (routes, middleware, in-process projector).
    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        var services: [any Service] = []
        if configuration.runProjector {
            services.append(ProjectorService(conninfo: configuration.conninfo, metrics: self.services.metrics, logger: self.services.logger))
        }
        return Application(
            router: Routes.router(self.services),
            server: .http1(configuration: .init(idleTimeout: .nanoseconds(Self.nanoseconds(configuration.idleTimeout)))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "mcledger"),
            services: services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: self.services.logger)
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// Serves until a shutdown signal, then drains and closes.
    public func run(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let app = application(onServerRunning: onServerRunning)
        do {
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        } catch {
            await shutdown()
            throw error
        }
        await shutdown()
    }

    /// Closes the connections (after the application stopped).
    public func shutdown() async {
        await services.rebuilds.cancel()
        await services.pool.close()
        if services.hasReplica { await services.primaryPool.close() }
        await services.appender.close()
    }
}

/// What the routes share.
final class LedgerServices: Sendable {
    let configuration: ServerConfiguration
    let logger: Logger
    let metrics: LedgerMetrics
    /// Where reads go: the replica when `configuration.readConninfo` is set, else the primary.
    let pool: ConnectionPool
    /// Reads that must see the primary (projection status, which the
    /// projector and rebuilds there move; the primary's head, for replica
    /// lag). The same pool as `pool` when there is no replica.
    let primaryPool: ConnectionPool
    let appender: AppendConnection
    let committer: GroupCommitter
    let rebuilds: RebuildRunner
    /// Request bodies being read, and their deadlines.
    let bodyDeadlines: BodyReadDeadlines

    init(configuration: ServerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        let metrics = LedgerMetrics()
        self.metrics = metrics
        let readPool = ConnectionPool(conninfo: configuration.readConninfo ?? configuration.conninfo, size: configuration.poolSize,
                                      applicationName: configuration.readConninfo == nil ? "mcledger-serve" : "mcledger-serve-replica") { inUse, open in
            metrics.pool(inUse: inUse, open: open)
        }
        pool = readPool
        primaryPool = configuration.readConninfo == nil
            ? readPool
            : ConnectionPool(conninfo: configuration.conninfo, size: ServiceLimits.primaryReadPoolSize, applicationName: "mcledger-serve-primary")
        let appender = AppendConnection(conninfo: configuration.conninfo, logger: logger)
        self.appender = appender
        committer = GroupCommitter(maxEvents: ServiceLimits.maxEventsPerCommit, gatherWindow: configuration.commitGatherWindow, onRound: { metrics.record($0) }) { requests throws(LedgerError) in
            try await appender.commit(requests)
        }
        rebuilds = RebuildRunner(conninfo: configuration.conninfo, logger: logger)
        bodyDeadlines = BodyReadDeadlines(timeout: configuration.bodyReadTimeout)
    }

    /// True when reads are served by a replica (`--read-url`).
    var hasReplica: Bool { configuration.readConninfo != nil }

    /// Runs `body` on a pooled read connection (the replica's, when there is
    /// one), mapping ledger errors to API errors.
    func read<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws(LedgerError) -> T) async throws -> T {
        try await Self.mapped(pool, body)
    }

    /// Runs `body` on a connection to the primary, mapping ledger errors to API errors.
    func readPrimary<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws(LedgerError) -> T) async throws -> T {
        try await Self.mapped(primaryPool, body)
    }

    /// On a replica, a position the primary holds but the replica has not
    /// replayed yet is not invalid, only early: given the usage error the
    /// replica's read gave for `point`, the 503 `replicaBehind` (with
    /// Retry-After) to answer instead, or nil when the position is invalid
    /// on the primary too (or there is no replica).
    func replicaBehind(_ point: ProjectionReader.Point, _ error: APIError) async throws -> APIError? {
        guard hasReplica, case .position(let requested) = point, requested > 0 else { return nil }
        let primaryHead = try await readPrimary { connection throws(LedgerError) in
            try await EventStore(connection: connection).head()?.position ?? 0
        }
        guard requested <= primaryHead else { return nil }
        return APIError(.serviceUnavailable, "replicaBehind",
                        "the read replica has not replayed position \(requested) yet (the primary's head is \(primaryHead)); retry shortly",
                        fields: error.fields + [("primaryHead", .number(String(primaryHead)))],
                        headers: [.retryAfter: String(ServiceLimits.retryAfterSeconds)])
    }

    /// `body` on a connection of `pool`, ledger errors mapped to API errors.
    /// A read that finds its connection broken (a pooled connection outlived
    /// a database restart) runs once more on a fresh one: reads have no
    /// effect to repeat, and the pool has dropped the broken connection.
    private static func mapped<T: Sendable>(_ pool: ConnectionPool, _ body: @Sendable (PostgresConnection) async throws(LedgerError) -> T) async throws -> T {
        var retried = false
        while true {
            do {
                return try await pool.withConnection { connection in try await body(connection) }
            } catch let error as LedgerError {
                if error.code == .databaseUnavailable && !retried {
                    retried = true
                    continue
                }
                throw APIError(error)
            }
        }
    }
}
