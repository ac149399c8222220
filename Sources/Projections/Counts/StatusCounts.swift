import Ledger

/// How many transactional events are in each status, at one position.
public struct StatusCounts: Sendable, Equatable {
    /// Counts per wire status; every status is present, zero included.
    public struct ByStatus: Sendable, Equatable {
        public var counts: [EventStatus: Int]

        public init() {
            counts = Dictionary(uniqueKeysWithValues: EventStatus.allCases.map { ($0, 0) })
        }

        public subscript(status: EventStatus) -> Int {
            get { counts[status, default: 0] }
            set { counts[status] = newValue }
        }

        /// Events counted.
        public var total: Int { counts.values.reduce(0, +) }
    }

    /// The ledger position this answer reflects.
    public var position: Int
    public var byStatus = ByStatus()
    public var byInstance: [String: ByStatus] = [:]
    public var byQueue: [String: ByStatus] = [:]
    public var byEventType: [String: ByStatus] = [:]
    /// Transitions back into pending (from pending or pendingDelivery).
    public var retries = 0
    /// sent -> deliveryFailed transitions.
    public var lateBounces = 0

    /// Number of transactional events.
    public var total: Int { byStatus.total }

    public init(position: Int) {
        self.position = position
        for queue in EventQueue.allCases { byQueue[queue.rawValue] = ByStatus() }
    }

    /// Adds `n` to one cell of the projection (`metric` is a wire status, `retries` or `lateBounces`).
    public mutating func add(instance: String, queue: String, eventType: String, metric: String, n: Int) {
        switch metric {
        case "retries": retries += n
        case "lateBounces": lateBounces += n
        default:
            guard let status = EventStatus(rawValue: metric) else { return }
            byStatus[status] += n
            byInstance[instance, default: ByStatus()][status] += n
            byQueue[queue, default: ByStatus()][status] += n
            byEventType[eventType.isEmpty ? "(none)" : eventType, default: ByStatus()][status] += n
        }
    }
}
