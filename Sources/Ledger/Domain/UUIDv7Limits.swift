/// Limits of the monotonic ordering of `UUID.v7(now:)`.
public enum UUIDv7Limits: Sendable {
    /// The largest backward clock step, in milliseconds, across which v7 UUIDs
    /// still sort in generation order; a larger step resets the ordering.
    public static let maxClockRegressionMillis: UInt64 = 10_000
}
