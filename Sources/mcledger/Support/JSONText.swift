import Ledger

/// JSON text for the CLI's own output.
enum JSONText {
    /// `text` as a JSON string literal, quotes included.
    static func quoted(_ text: String) -> String {
        JSONValue.string(text).serialized()
    }

    /// One recorded event as the SPEC's history object:
    /// `{position, stream, version, eventId, type, data, metadata, recordedAt, hash}`.
    static func event(_ event: RecordedEvent) -> String {
        "{\"position\":\(event.position),\"stream\":\(quoted(event.stream)),\"version\":\(event.version),\"eventId\":\"\(event.eventId)\",\"type\":\(quoted(event.type)),\"data\":\(event.data),\"metadata\":\(event.metadata),\"recordedAt\":\"\(event.recordedAt)\",\"hash\":\"\(Hex.encode(event.hash))\"}"
    }
}
