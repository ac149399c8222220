/// The status of a transactional event. Raw values are the wire names.
public enum EventStatus: String, Sendable, CaseIterable {
    /// In the queue, no template assigned yet (or waiting for a retry after an error).
    case pending
    /// A template has been assigned; the delivery is processing it.
    case pendingDelivery
    /// Sent, according to the delivery logs.
    case sent
    /// Ignored by the delivery, according to its logs. Final.
    case ignored
    /// Delivery failed, according to its logs. Final.
    case deliveryFailed
    /// Could not be linked to a template and will not be processed. Final.
    case notTakenIntoAccount
    /// The maximum number of tries was reached. Final.
    case expired

    /// The human label of the status, as the product shows it.
    public var label: String {
        switch self {
        case .pending: return "Pending"
        case .pendingDelivery: return "Pending delivery"
        case .sent: return "Sent"
        case .ignored: return "Ignored by the delivery"
        case .deliveryFailed: return "Delivery failed"
        case .notTakenIntoAccount: return "Event not taken into account"
        case .expired: return "Event expired"
        }
    }

    /// True when no transition leaves this status.
    public var isFinal: Bool {
        switch self {
        case .ignored, .deliveryFailed, .notTakenIntoAccount, .expired: return true
        case .pending, .pendingDelivery, .sent: return false
        }
    }
}
