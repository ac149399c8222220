/// One event as stored, with every field as the hash chain sees it.
public struct RecordedEvent: Sendable, Equatable {
    public var position: Int
    public var stream: String
    public var version: Int
    /// Lowercase hyphenated UUID.
    public var eventId: String
    public var type: String
    /// `data::text` as PostgreSQL prints the stored jsonb.
    public var data: String
    /// `metadata::text` (`{}` when none was given).
    public var metadata: String
    /// recorded_at in the canonical form `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC).
    public var recordedAt: String
    public var hash: [UInt8]

    /// The stream's category: the part of its name before the first `-`.
    public var category: Substring { stream.prefix { $0 != "-" } }
}
