/// The ledger: appends with every guarantee of SPEC section 3, and reads in
/// position order. One `EventStore` wraps one connection; appends through it
/// are serialised by the database's append lock, whatever other processes do.
public struct EventStore: Sendable {
    /// The connection every call of this store uses.
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }
}

/// Limits of the append path.
public enum AppendLimits {
    /// Most events one append batch carries (the CLI's batch size).
    public static let maxBatchEvents = 2_000
    /// Most events one transaction carries, all group-committed requests together.
    public static let maxTransactionEvents = 16_000
}
