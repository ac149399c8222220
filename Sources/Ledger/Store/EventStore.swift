/// The ledger: appends with every guarantee of SPEC section 3, and reads in
/// position order. One `EventStore` wraps one connection; appends through it
/// are serialised by the database's append lock, whatever other processes do.
public struct EventStore: Sendable {
    /// The connection every call of this store uses.
    public let connection: PostgresConnection
    /// How an append whose COMMIT was in flight when the connection broke is
    /// resolved (on a new connection). Without one, such an append throws
    /// `.databaseUnavailable` with `details["commit"] = "unknown"`.
    public let resolver: CommitResolver?
    /// Stream heads this store's appends left, so that the next append is
    /// validated and sent in one round trip (see `StreamHeadCache`). Without
    /// one, every append reads the heads it needs under the append lock first.
    public let heads: StreamHeadCache?

    public init(connection: PostgresConnection, resolver: CommitResolver? = nil, heads: StreamHeadCache? = nil) {
        self.connection = connection
        self.resolver = resolver
        self.heads = heads
    }
}

/// Limits of the append path.
public enum AppendLimits {
    /// Most events one append batch carries (the CLI's batch size).
    public static let maxBatchEvents = 2_000
    /// Most events one transaction carries, all group-committed requests together.
    public static let maxTransactionEvents = 16_000
    /// Most stream heads a `StreamHeadCache` keeps by default (~100 bytes each).
    public static let cachedStreamHeads = 200_000
}
