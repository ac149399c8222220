extension RecordedEvent {
    /// The SPEC's history object, one line of `history --format ndjson` and of
    /// the HTTP API: `{position, stream, version, eventId, type, data,
    /// metadata, recordedAt, hash}` with `hash` in hex. `data` and `metadata`
    /// are the stored jsonb text, verbatim.
    public var json: String {
        "{\"position\":\(position),\"stream\":\(JSONValue.quoted(stream)),\"version\":\(version),\"eventId\":\"\(eventId)\",\"type\":\(JSONValue.quoted(type)),\"data\":\(data),\"metadata\":\(metadata),\"recordedAt\":\"\(recordedAt)\",\"hash\":\"\(Hex.encode(hash))\"}"
    }
}

extension JSONValue {
    /// `text` as a JSON string literal, quotes included.
    public static func quoted(_ text: String) -> String {
        JSONValue.string(text).serialized()
    }
}
