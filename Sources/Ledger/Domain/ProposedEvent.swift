import Foundation

/// One event as a caller proposes to append it, validated by ``EnvelopeParser``
/// but not yet checked against the ledger (versions, idempotency, stream state).
public struct ProposedEvent: Sendable, Equatable {
    /// The stream: derived from the domain event, or given explicitly for a raw event.
    public var stream: String
    /// The wire type, e.g. `WorkflowStarted`.
    public var type: String
    /// The idempotency key: the given `eventId`, or a fresh UUID v7.
    public var eventId: UUID
    /// True when the caller gave `eventId`; false when it was generated.
    public var eventIdWasGiven: Bool
    /// The stream version the caller expects before this event (0 = the stream
    /// must not exist yet), or nil for no check; at most `Int32.max`.
    public var expectedVersion: Int?
    /// The compact JSON text of the `data` object, members in the order given
    /// (unknown fields included).
    public var data: String
    /// The compact JSON text of the `metadata` object; `{}` when none was given.
    public var metadata: String
    /// The typed domain event; nil only for a raw event.
    public var domain: DomainEvent?

    /// An event with every field given.
    public init(
        stream: String, type: String, eventId: UUID, eventIdWasGiven: Bool, expectedVersion: Int?,
        data: String, metadata: String, domain: DomainEvent?
    ) {
        self.stream = stream
        self.type = type
        self.eventId = eventId
        self.eventIdWasGiven = eventIdWasGiven
        self.expectedVersion = expectedVersion
        self.data = data
        self.metadata = metadata
        self.domain = domain
    }

    /// The event id as the ledger stores and prints it: lowercase, hyphenated.
    public var eventIdString: String { eventId.lowercasedString }

    /// The stream's category: the part of the stream name before the first `-`.
    public var category: Substring {
        stream.prefix { $0 != "-" }
    }
}
