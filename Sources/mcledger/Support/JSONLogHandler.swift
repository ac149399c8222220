import Foundation
import Ledger
import Logging

/// Structured logs for `mcledger serve`: one JSON object per line on stderr,
/// `{"ts", "level", "label", "message", ...metadata}` (the request id of a
/// request's lines under `request_id`). Metadata is formatted only when a
/// line is written, so attaching a request id to every request costs nothing
/// while its lines are below the log level.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [(String, JSONValue)] = [
            ("ts", .string(Timestamps.rfc3339(Date()))),
            ("level", .string(event.level.rawValue)),
            ("label", .string(label)),
            ("message", .string(event.message.description)),
        ]
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        for key in merged.keys.sorted() where !["ts", "level", "label", "message"].contains(key) {
            if let value = merged[key] { fields.append((key, Self.json(value))) }
        }
        if event.level >= .warning { fields.append(("source", .string("\(event.file):\(event.line)"))) }
        StandardError.write(JSONValue.object(JSONObject(fields.map { (key: $0.0, value: $0.1) })).serialized() + "\n")
    }

    private static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): return .string(text)
        case .stringConvertible(let convertible): return .string(convertible.description)
        case .array(let values): return .array(values.map(json))
        case .dictionary(let dictionary):
            return .object(JSONObject(dictionary.sorted { $0.key < $1.key }.map { (key: $0.key, value: json($0.value)) }))
        }
    }
}
