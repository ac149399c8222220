import Foundation

extension DemoScenario {
    /// A kind of transactional event and how the application pushes it.
    struct EventProfile: Sendable {
        let name: String
        /// Relative frequency.
        let weight: Double
        /// Share pushed to the real-time queue (the rest goes to batch).
        let realtimeShare: Double
        /// False when no published message template matches the type: such
        /// events are not taken into account.
        let hasTemplate: Bool
        /// Whether a failed email of this type is resent as an SMS.
        let recyclable: Bool

        static let all = [
            EventProfile(name: "ORDER_CONFIRMATION", weight: 30, realtimeShare: 0.90, hasTemplate: true, recyclable: true),
            EventProfile(name: "SHIPPING_NOTIFICATION", weight: 22, realtimeShare: 0.40, hasTemplate: true, recyclable: true),
            EventProfile(name: "PASSWORD_RESET", weight: 18, realtimeShare: 1.00, hasTemplate: true, recyclable: true),
            EventProfile(name: "ACCOUNT_CREATION", weight: 12, realtimeShare: 0.95, hasTemplate: true, recyclable: false),
            EventProfile(name: "CART_REMINDER", weight: 8, realtimeShare: 0.00, hasTemplate: true, recyclable: false),
            EventProfile(name: "BACK_IN_STOCK", weight: 1.6, realtimeShare: 0.30, hasTemplate: false, recyclable: false),
        ]
        static let cumulativeWeights = DemoRandom.cumulative(all.map(\.weight))
        static let count = all.count
    }

    enum Channel: Int, CaseIterable {
        case email, sms, push
        static let names = ["email", "sms", "push"]
        static let count = 3
        static let cumulativeWeights = DemoRandom.cumulative([0.80, 0.12, 0.08])
    }

    /// The wire statuses (SPEC section 1).
    enum Status: Int, CaseIterable {
        case pending, pendingDelivery, sent, ignored, deliveryFailed, notTakenIntoAccount, expired
        static let names = [
            "pending", "pendingDelivery", "sent", "ignored", "deliveryFailed", "notTakenIntoAccount", "expired",
        ]
        static let count = 7
    }

    /// The `reason` of a status change, as the delivery logs or the processing
    /// workflows word it.
    enum Reason: Int, CaseIterable {
        case linkRetry1, linkRetry2, linkRetry3, expired, noTemplate, softBounce
        case quarantined, denylisted, smsOptOut, pushNoDevice
        case unknownUser, invalidDomain, invalidPhone, invalidToken
        case lateMailboxFull, lateUnknownUser

        var text: String {
            switch self {
            case .linkRetry1: return "Temporary error while linking the event to a message template; retry 1 of 3"
            case .linkRetry2: return "Temporary error while linking the event to a message template; retry 2 of 3"
            case .linkRetry3: return "Temporary error while linking the event to a message template; retry 3 of 3"
            case .expired: return "Maximum number of tries reached (3); the event expired"
            case .noTemplate: return "No published transactional message template matches the event type"
            case .softBounce: return "Soft bounce: mailbox temporarily unavailable; delivery will be retried"
            case .quarantined: return "Address in quarantine"
            case .denylisted: return "Address on the denylist"
            case .smsOptOut: return "Recipient replied \"STOP\" (opted out)"
            case .pushNoDevice: return "No registered device for the recipient"
            case .unknownUser: return "Hard bounce: 550 5.1.1 user unknown"
            case .invalidDomain: return "Hard bounce: invalid domain"
            case .invalidPhone: return "Invalid phone number"
            case .invalidToken: return "Invalid or expired device token"
            case .lateMailboxFull: return "Late bounce: 552 5.2.2 mailbox full"
            case .lateUnknownUser: return "Late bounce: user unknown (asynchronous)"
            }
        }

        static let linkRetries: [Reason] = [.linkRetry1, .linkRetry2, .linkRetry3]
        static let ignored: [[Reason]] = [[.quarantined, .denylisted], [.smsOptOut], [.pushNoDevice]]
        static let failed: [[Reason]] = [[.unknownUser, .invalidDomain], [.invalidPhone], [.invalidToken]]
        static let lateBounces: [Reason] = [.lateMailboxFull, .lateUnknownUser]
    }

    /// How often things go wrong, and how long they take.
    enum Rates {
        /// Events whose linking to a template fails at least once.
        static let linkError = 0.025
        /// Of those, how many errors: 1, 2, or 3 (then expired).
        static let linkErrorCounts = DemoRandom.cumulative([0.55, 0.25, 0.20])
        static let maxRetries: UInt8 = 3
        /// Deliveries bounced softly and retried once.
        static let softBounce = 0.012
        static let ignored = 0.015
        static let deliveryFailed = 0.020
        /// Sent emails that bounce later.
        static let lateBounce = 0.011
        /// Failed emails of a recyclable type resent as an SMS.
        static let recycle = 0.35
        /// Batch processing runs every minute.
        static let batchPeriod: Int64 = Timeline.minute
    }

    /// One transactional event in flight: everything needed to write its next line.
    struct Flight: Sendable {
        var instance: Int
        /// The `0000123` of `evt-NN-0000123`; 0 until the first line is written.
        var number: UInt32 = 0
        var realtime: Bool
        var profile: Int
        var channel: Channel
        /// How many times linking to a template will fail (3: the event expires).
        var linkErrors: UInt8
        var errors: UInt8 = 0
        var deliveryRetried = false
        /// The number of the failed event this one recycles, 0 for none.
        var recycledFrom: UInt32 = 0
    }

    /// A status change due at `time`; `order` keeps equal times first-come first-served.
    struct Step: Sendable {
        var time: Int64
        var order: UInt64
        var flight: Flight
        var to: Status
        var reason: Reason?

        func precedes(_ other: Step) -> Bool {
            time != other.time ? time < other.time : order < other.order
        }
    }

    /// A binary min-heap of steps: the status changes still to come.
    struct StepQueue: Sendable {
        private var items: [Step] = []

        var first: Step? { items.first }

        mutating func push(_ step: Step) {
            // Sift the hole up from the end, then drop the step in.
            items.append(step)
            var hole = items.count - 1
            while hole > 0 {
                let parent = (hole - 1) / 2
                guard step.precedes(items[parent]) else { break }
                items[hole] = items[parent]
                hole = parent
            }
            items[hole] = step
        }

        mutating func pop() -> Step? {
            guard let top = items.first else { return nil }
            let last = items.removeLast()
            let count = items.count
            guard count > 0 else { return top }
            // Sift the hole down from the root, then drop the former last step in.
            var hole = 0
            while true {
                var child = 2 * hole + 1
                guard child < count else { break }
                if child + 1 < count, items[child + 1].precedes(items[child]) { child += 1 }
                guard items[child].precedes(last) else { break }
                items[hole] = items[child]
                hole = child
            }
            items[hole] = last
            return top
        }
    }
}
