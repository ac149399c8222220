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
        await services.appender.close()
    }
}

/// What the routes share.
final class LedgerServices: Sendable {
    let configuration: ServerConfiguration
    let logger: Logger
    let metrics: LedgerMetrics
    let pool: ConnectionPool
    let appender: AppendConnection
    let committer: GroupCommitter
    let rebuilds: RebuildRunner

    init(configuration: ServerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        let metrics = LedgerMetrics()
        self.metrics = metrics
        pool = ConnectionPool(conninfo: configuration.conninfo, size: configuration.poolSize) { inUse, open in
            metrics.pool(inUse: inUse, open: open)
        }
        let appender = AppendConnection(conninfo: configuration.conninfo)
        self.appender = appender
        committer = GroupCommitter(maxEvents: ServiceLimits.maxEventsPerCommit, gatherWindow: configuration.commitGatherWindow, onRound: { metrics.record($0) }) { requests throws(LedgerError) in
            try await appender.commit(requests)
        }
        rebuilds = RebuildRunner(conninfo: configuration.conninfo, logger: logger)
    }

    /// Runs `body` on a pooled read connection, mapping ledger errors to API errors.
    func read<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws(LedgerError) -> T) async throws -> T {
        do {
            return try await pool.withConnection { connection in try await body(connection) }
        } catch let error as LedgerError {
            throw APIError(error)
        }
    }
}
