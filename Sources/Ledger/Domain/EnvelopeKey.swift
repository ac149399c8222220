/// The keys an event envelope may have; any other key is refused.
enum EnvelopeKey: String, CaseIterable, WireName {
    case type, data, eventId, expectedVersion, metadata, stream
}
