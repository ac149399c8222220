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
    /// Most events one append request carries, and one group commit gathers (`serve`).
    public static let maxBatchEvents = 2_000
    /// Events per atomic batch of a bulk load (`mcledger append` and the demo, by
    /// default; `--batch-size` goes up to `maxTransactionEvents`). Larger than a
    /// request: each batch pays a fixed part (its COMMIT's flush, the append
    /// lock's hand-over to the next batch, the function's start), and 4,000
    /// appended 1-16% more events per second than 2,000 (docs/performance.md,
    /// the fifteenth pass); its WAL (about 2.8 MB) still fits the default wal_buffers.
    public static let bulkBatchEvents = 4_000
    /// Most events one transaction carries, all group-committed requests together.
    public static let maxTransactionEvents = 16_000
    /// Most stream heads a `StreamHeadCache` keeps by default (~100 bytes each).
    public static let cachedStreamHeads = 200_000
}
