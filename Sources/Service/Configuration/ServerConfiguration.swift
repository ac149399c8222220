import Ledger

/// How `mcledger serve` runs.
public struct ServerConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port (the tests use this).
    public var port: Int
    /// Where the ledger is (libpq conninfo or URI): the primary, which takes
    /// every append, runs the projector and answers projection status.
    public var conninfo: String
    /// A read-only streaming replica (hot standby) of that primary, or nil.
    /// When set, history, streams, readiness, counts, verify/digest and the
    /// dashboard are read there (their answers reflect the replica's head),
    /// and nothing the read path does needs a write.
    public var readConninfo: String?
    public var tokens: TokenStore
    /// Read connections (appends and the projector have their own); on the
    /// replica when `readConninfo` is set.
    public var poolSize: Int
    /// Run the projector in-process so readiness and counts stay live.
    public var runProjector: Bool
    /// See `ServiceLimits.commitGatherWindow`.
    public var commitGatherWindow: Duration = ServiceLimits.commitGatherWindow
    /// How long a connection may send nothing before it is closed (a client
    /// that stalls mid-request, or an idle keep-alive connection).
    public var idleTimeout: Duration = ServiceLimits.idleTimeout
    /// How long a request may take to send its whole body, however steadily
    /// it trickles in (408 `requestTimeout` beyond).
    public var bodyReadTimeout: Duration = ServiceLimits.bodyReadTimeout

    public init(host: String = "127.0.0.1", port: Int = 8080, conninfo: String, tokens: TokenStore,
                poolSize: Int = ServiceLimits.defaultPoolSize, runProjector: Bool = true, readConninfo: String? = nil) {
        self.host = host
        self.port = port
        self.conninfo = conninfo
        self.tokens = tokens
        self.poolSize = poolSize
        self.runProjector = runProjector
        self.readConninfo = readConninfo
    }
}
