import Ledger

/// Every limit the HTTP API enforces, by name. Documented in the OpenAPI
/// document (`/openapi.json`) and in docs/http-api.md; each one, when
/// exceeded, gets an error that names it.
public enum ServiceLimits {
    /// Largest request body accepted, in bytes (413 `bodyTooLarge` beyond).
    public static let maxBodyBytes = 16 * 1024 * 1024
    /// A connection that sends nothing for this long is closed: Hummingbird's
    /// HTTP/1 idle timeout, which also ends a request whose head or body
    /// stalls (a truncated body, a client that went away without closing).
    public static let idleTimeout: Duration = .seconds(60)
    /// The longest a request may take to send its whole body. The idle timeout
    /// alone does not end a body that trickles in a byte at a time; this does
    /// (408 `requestTimeout`), so such a client holds one connection for a
    /// bounded time and never more than `maxBodyBytes` of memory.
    public static let bodyReadTimeout: Duration = .seconds(60)
    /// Longest NDJSON line, in bytes (the CLI's limit too).
    public static let maxLineBytes = NDJSONLimits.maxLineBytes
    /// Most events in one append request; a request is one atomic batch
    /// (413 `tooManyEvents` beyond).
    public static let maxEventsPerRequest = AppendLimits.maxBatchEvents
    /// Most events one group-commit transaction gathers from waiting requests.
    public static let maxEventsPerCommit = AppendLimits.maxBatchEvents
    /// After a shared transaction, how long the committer waits for its
    /// clients' next requests before starting the next one (see
    /// `GroupCommitter.gatherWindow`); never applies to a lone client.
    /// Zero by default: measured at 16 HTTP clients, 300 us raised requests
    /// per commit from 7.7 to 9.8 but lowered events/s by 15-25%
    /// (`mcledger serve --commit-gather-us` to tune).
    public static let commitGatherWindow: Duration = .zero
    /// Default and largest page of `GET /v1/events` and `GET /v1/streams/{stream}`.
    public static let defaultPageSize = 1_000
    public static let maxPageSize = ReadLimits.pageSize
    /// Most PostgreSQL connections the server opens for reads (appends and
    /// the projector have one each).
    public static let defaultPoolSize = 8
    /// Connections to the primary for its own reads (projection status, its
    /// head for replica lag) when reads go to a replica (`--read-url`).
    public static let primaryReadPoolSize = 2
    /// How long a request waits for a pooled connection before 503.
    public static let poolWait: Duration = .seconds(5)
    /// `/readyz` reports ready only while the projections lag the head by at most this many events.
    public static let readyMaxLagEvents = 10_000
    /// Seconds a client is told to wait (`Retry-After`) when the database is unavailable.
    public static let retryAfterSeconds = 1
    /// How often the dashboard refreshes itself when it shows the head, in seconds.
    public static let dashboardRefreshSeconds = 5
    /// Events shown in the dashboard's "latest events".
    public static let dashboardLatestEvents = 20
}
