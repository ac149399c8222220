import Testing
import Ledger

/// The SPEC's status table, written out independently: from ("none" before the
/// first status) -> legal next statuses.
private let statusTable: [String: Set<String>] = [
    "none": ["pending"],
    "pending": ["pending", "pendingDelivery", "notTakenIntoAccount", "expired"],
    "pendingDelivery": ["sent", "ignored", "deliveryFailed", "pending"],
    "sent": ["deliveryFailed"],
    "ignored": [],
    "deliveryFailed": [],
    "notTakenIntoAccount": [],
    "expired": [],
]

private let allLifecycles: [EventLifecycle] = [.absent] + EventStatus.allCases.map { .status($0) }

@Suite("Event status machine")
struct EventLifecycleTests {
    @Test(arguments: allLifecycles, EventStatus.allCases)
    func everyTransitionFollowsTheTable(from: EventLifecycle, to: EventStatus) throws {
        let legal = try #require(statusTable[from.name])
        if legal.contains(to.rawValue) {
            #expect(try from.applying(to) == .status(to))
        } else {
            let error = #expect(throws: LedgerError.self) { try from.applying(to) }
            #expect(error?.code == .illegalTransition)
            #expect(error?.details["from"] == from.name)
            #expect(error?.details["to"] == to.rawValue)
            #expect(error?.message.hasPrefix("illegal status transition \(from.name) -> \(to.rawValue); ") == true)
            if legal.isEmpty {
                #expect(error?.message.hasSuffix("'\(from.name)' is final: no further transition is legal") == true)
            } else {
                #expect(error?.message.contains("from \(from.name) the legal next statuses are: ") == true)
            }
        }
    }

    @Test(arguments: allLifecycles)
    func legalNextIsExactlyTheTable(from: EventLifecycle) {
        #expect(Set(from.legalNext.map(\.rawValue)) == statusTable[from.name])
    }

    @Test func finalStatuses() {
        let finals = Set(EventStatus.allCases.filter(\.isFinal).map(\.rawValue))
        #expect(finals == ["ignored", "deliveryFailed", "notTakenIntoAccount", "expired"])
        for status in EventStatus.allCases {
            #expect(status.isFinal == EventLifecycle.status(status).legalNext.isEmpty)
        }
    }

    @Test func labelsAreTheSpecLabels() {
        let labels = Dictionary(uniqueKeysWithValues: EventStatus.allCases.map { ($0.rawValue, $0.label) })
        #expect(
            labels == [
                "pending": "Pending", "pendingDelivery": "Pending delivery", "sent": "Sent",
                "ignored": "Ignored by the delivery", "deliveryFailed": "Delivery failed",
                "notTakenIntoAccount": "Event not taken into account", "expired": "Event expired",
            ])
    }

    @Test func messagesReadWell() {
        let fromSent = #expect(throws: LedgerError.self) { try EventLifecycle.status(.sent).applying(.pending) }
        #expect(fromSent?.message == "illegal status transition sent -> pending; from sent the legal next statuses are: deliveryFailed")
        let fromNone = #expect(throws: LedgerError.self) { try EventLifecycle.absent.applying(.sent) }
        #expect(fromNone?.message == "illegal status transition none -> sent; from none the legal next statuses are: pending")
    }

    @Test func queuesNameTheirStreamCategories() {
        #expect(EventQueue.realtime.streamCategory == "rtEvent")
        #expect(EventQueue.batch.streamCategory == "batchEvent")
        #expect(EventQueue.allCases.map(\.rawValue) == ["realtime", "batch"])
    }
}
