import Foundation
import Ledger

/// NDJSON lines and parsed events for tests.
public enum Fixtures {
    /// Parses one NDJSON line as the CLI would.
    public static func event(_ line: String, raw: Bool = false) throws -> ProposedEvent {
        try EnvelopeParser(allowRaw: raw).parse(Array(line.utf8))
    }

    public static func line(type: String, data: [String: String], eventId: UUID? = nil, expectedVersion: Int? = nil, stream: String? = nil) -> String {
        var fields: [String] = ["\"type\":\(quote(type))"]
        let body = data.sorted { $0.key < $1.key }.map { "\(quote($0.key)):\(quote($0.value))" }.joined(separator: ",")
        fields.append("\"data\":{\(body)}")
        if let eventId { fields.append("\"eventId\":\"\(eventId.uuidString.lowercased())\"") }
        if let expectedVersion { fields.append("\"expectedVersion\":\(expectedVersion)") }
        if let stream { fields.append("\"stream\":\(quote(stream))") }
        return "{" + fields.joined(separator: ",") + "}"
    }

    public static func instance(_ name: String, role: String = "execution") -> String {
        line(type: "InstanceRegistered", data: ["instance": name, "role": role])
    }

    public static func workflow(_ action: String, instance: String, workflow: String) -> String {
        line(type: "Workflow\(action)", data: ["instance": instance, "workflow": workflow])
    }

    public static func status(_ to: String, instance: String, eventId: String, queue: String = "realtime", id: UUID? = nil) -> String {
        line(type: "EventStatusChanged", data: ["instance": instance, "eventId": eventId, "queue": queue, "to": to], eventId: id)
    }

    /// A JSON string literal.
    public static func quote(_ text: String) -> String {
        JSONValue.string(text).serialized()
    }
}

extension EventStore {
    /// Appends NDJSON lines as one batch (test convenience).
    public func append(lines: [String], raw: Bool = false) async throws -> AppendOutcome {
        try await append(lines.map { try Fixtures.event($0, raw: raw) })
    }

    /// The number of events in the ledger.
    public func count() async throws -> Int {
        try await connection.execute("SELECT count(*) FROM mcledger.events").int(0, 0) ?? -1
    }
}
