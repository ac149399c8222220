import CoreMetrics
import Ledger
import Prometheus
import Synchronization

/// The server's metrics, recorded through swift-metrics into a Prometheus
/// registry of the server's own (no global bootstrap, so several servers can
/// live in one process, as in the tests), and rendered at `/metrics`.
public final class LedgerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory

    let appendedEvents: CoreMetrics.Counter
    let duplicateEvents: CoreMetrics.Counter
    let commitDuration: CoreMetrics.Timer
    let commitRequests: CoreMetrics.Recorder
    let commitEvents: CoreMetrics.Recorder
    let failedCommits: CoreMetrics.Counter
    let poolInUse: CoreMetrics.Gauge
    let poolOpen: CoreMetrics.Gauge
    /// Each route's request counter and duration timer, made once: making a
    /// metric goes through the registry's lock and validates its name.
    private let requestMetrics = Mutex<[RequestKey: (count: CoreMetrics.Counter, duration: CoreMetrics.Timer)]>([:])

    private struct RequestKey: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        let fast: [Duration] = [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                                .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1), .seconds(5)]
        factory.durationHistogramBuckets = [
            "mcledger_commit_duration_seconds": fast,
            "mcledger_http_request_duration_seconds": fast,
        ]
        factory.valueHistogramBuckets = [
            "mcledger_commit_batch_requests": [1, 2, 4, 8, 16, 32, 64, 128, 256],
            "mcledger_commit_batch_events": [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2000],
        ]
        self.registry = registry
        self.factory = factory
        appendedEvents = CoreMetrics.Counter(label: "mcledger_appended_events_total", factory: factory)
        duplicateEvents = CoreMetrics.Counter(label: "mcledger_duplicate_events_total", factory: factory)
        commitDuration = CoreMetrics.Timer(label: "mcledger_commit_duration_seconds", factory: factory)
        commitRequests = CoreMetrics.Recorder(label: "mcledger_commit_batch_requests", factory: factory)
        commitEvents = CoreMetrics.Recorder(label: "mcledger_commit_batch_events", factory: factory)
        failedCommits = CoreMetrics.Counter(label: "mcledger_failed_commits_total", factory: factory)
        poolInUse = CoreMetrics.Gauge(label: "mcledger_pool_connections_in_use", factory: factory)
        poolOpen = CoreMetrics.Gauge(label: "mcledger_pool_connections_open", factory: factory)
    }

    /// One group-commit transaction.
    func record(_ round: GroupCommitter.Round) {
        commitDuration.recordNanoseconds(Int64(round.seconds * 1e9))
        commitRequests.record(round.requests)
        commitEvents.record(round.events)
        if !round.committed { failedCommits.increment() }
    }

    /// One acknowledged append request.
    func record(_ outcome: AppendOutcome) {
        if outcome.appended > 0 { appendedEvents.increment(by: outcome.appended) }
        if outcome.duplicates > 0 { duplicateEvents.increment(by: outcome.duplicates) }
    }

    /// One refused append request, by the error code (`conflict`, `invalidInput`, `illegalTransition`, `bodyTooLarge`, ...).
    func reject(_ code: String) {
        CoreMetrics.Counter(label: "mcledger_append_rejects_total", dimensions: [("reason", code)], factory: factory).increment()
        if code == LedgerError.Code.conflict.rawValue {
            CoreMetrics.Counter(label: "mcledger_conflicts_total", factory: factory).increment()
        }
    }

    /// One HTTP request answered.
    func request(route: String, method: String, status: Int, seconds: Double) {
        let key = RequestKey(route: route, method: method, status: status)
        let metrics = requestMetrics.withLock { known in
            if let made = known[key] { return made }
            let made = (count: CoreMetrics.Counter(label: "mcledger_http_requests_total",
                                                   dimensions: [("route", route), ("method", method), ("status", String(status))], factory: factory),
                        duration: CoreMetrics.Timer(label: "mcledger_http_request_duration_seconds", dimensions: [("route", route)], factory: factory))
            known[key] = made
            return made
        }
        metrics.count.increment()
        metrics.duration.recordNanoseconds(Int64(seconds * 1e9))
    }

    /// Projection lag, refreshed by the projector and on each scrape.
    func projection(_ name: String, lagEvents: Int, lagSeconds: Double, checkpoint: Int) {
        CoreMetrics.Gauge(label: "mcledger_projection_lag_events", dimensions: [("projection", name)], factory: factory).record(lagEvents)
        CoreMetrics.Gauge(label: "mcledger_projection_lag_seconds", dimensions: [("projection", name)], factory: factory).record(lagSeconds)
        CoreMetrics.Gauge(label: "mcledger_projection_checkpoint", dimensions: [("projection", name)], factory: factory).record(checkpoint)
    }

    func head(_ position: Int) {
        CoreMetrics.Gauge(label: "mcledger_ledger_head_position", factory: factory).record(position)
    }

    /// The read replica (`--read-url`), refreshed on each scrape and `/readyz`.
    func replica(_ status: ReplicaStatus) {
        CoreMetrics.Gauge(label: "mcledger_replica_up", factory: factory).record(1)
        CoreMetrics.Gauge(label: "mcledger_replica_in_recovery", factory: factory).record(status.inRecovery ? 1 : 0)
        CoreMetrics.Gauge(label: "mcledger_replica_head_position", factory: factory).record(status.head)
        CoreMetrics.Gauge(label: "mcledger_replica_replay_lag_seconds", factory: factory).record(status.replayLagSeconds)
        CoreMetrics.Gauge(label: "mcledger_replica_replay_lag_bytes", factory: factory).record(status.replayLagBytes)
        if let lag = status.lagEvents {
            CoreMetrics.Gauge(label: "mcledger_replica_lag_events", factory: factory).record(lag)
        }
    }

    func replicaDown() {
        CoreMetrics.Gauge(label: "mcledger_replica_up", factory: factory).record(0)
    }

    func pool(inUse: Int, open: Int) {
        poolInUse.record(inUse)
        poolOpen.record(open)
    }

    /// The Prometheus text exposition.
    public func render() -> String {
        registry.emitToString()
    }
}
