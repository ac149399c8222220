/// The queue a transactional event belongs to. Raw values are the wire names.
public enum EventQueue: String, Sendable, CaseIterable {
    /// Real-time events; streams `rtEvent-<instance>.<eventId>`.
    case realtime
    /// Batch events; streams `batchEvent-<instance>.<eventId>`.
    case batch

    /// The stream category of the queue's events: `rtEvent` or `batchEvent`.
    public var streamCategory: String {
        switch self {
        case .realtime: return "rtEvent"
        case .batch: return "batchEvent"
        }
    }
}
