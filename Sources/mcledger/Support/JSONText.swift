import Ledger

/// JSON text for the CLI's own output.
enum JSONText {
    /// `text` as a JSON string literal, quotes included.
    static func quoted(_ text: String) -> String {
        JSONValue.string(text).serialized()
    }

    /// One recorded event as the SPEC's history object.
    static func event(_ event: RecordedEvent) -> String { event.json }
}
