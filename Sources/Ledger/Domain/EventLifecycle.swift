/// Where one transactional event stands in its status history: no status yet,
/// or its latest status.
public enum EventLifecycle: Sendable, Equatable {
    /// No status recorded for the event yet.
    case absent
    /// The event's latest status.
    case status(EventStatus)

    /// The name of the position, for messages: `none`, or the status's wire name.
    public var name: String {
        switch self {
        case .absent: return "none"
        case .status(let status): return status.rawValue
        }
    }

    /// The statuses legal next, exactly the SPEC table: none -> pending;
    /// pending -> pending (retry), pendingDelivery, notTakenIntoAccount, expired;
    /// pendingDelivery -> sent, ignored, deliveryFailed, pending (retry);
    /// sent -> deliveryFailed (late bounce); the final statuses -> nothing.
    public var legalNext: [EventStatus] {
        switch self {
        case .absent: return [.pending]
        case .status(.pending): return [.pending, .pendingDelivery, .notTakenIntoAccount, .expired]
        case .status(.pendingDelivery): return [.sent, .ignored, .deliveryFailed, .pending]
        case .status(.sent): return [.deliveryFailed]
        case .status(.ignored), .status(.deliveryFailed), .status(.notTakenIntoAccount), .status(.expired):
            return []
        }
    }

    /// The lifecycle after a change to `to`, or `.illegalTransition` naming the
    /// transition and what is legal instead (or that the status is final);
    /// `details` holds `from` and `to`.
    public func applying(_ to: EventStatus) throws(LedgerError) -> EventLifecycle {
        let legal = legalNext
        guard legal.contains(to) else {
            let reason: String
            if legal.isEmpty {
                reason = "'\(name)' is final: no further transition is legal"
            } else {
                reason = "from \(name) the legal next statuses are: \(legal.map(\.rawValue).joined(separator: ", "))"
            }
            throw LedgerError(
                .illegalTransition,
                "illegal status transition \(name) -> \(to.rawValue); \(reason)",
                details: ["from": name, "to": to.rawValue])
        }
        return .status(to)
    }
}
