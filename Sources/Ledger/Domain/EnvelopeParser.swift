import Foundation

/// Turns one NDJSON line into a ``ProposedEvent``, enforcing SPEC section 2.
///
/// A line is one JSON object with `type` (string, required), `data` (object,
/// required) and optionally `eventId` (a UUID in any case), `expectedVersion`
/// (an integer from 0 to `Int32.max`), `metadata` (object) and `stream`. Any
/// other key is refused. An optional key given as `null` counts as absent.
///
/// - A catalogue type is decoded by ``DomainEvent/decode(type:data:)``; its
///   stream is derived, and a given `stream` must equal the derived one.
/// - Any other type is a raw event, accepted only when the parser allows raw
///   events and the line names a `stream` outside the domain categories
///   (``DomainEventType/domainStreamCategories``).
///
/// Every refusal is `.invalidInput`; callers attribute it to a line with
/// ``LedgerError/at(line:)``. Blank lines are not events: callers skip lines for
/// which `isBlank(_:)` is true (still counting them for line numbers).
public struct EnvelopeParser: Sendable {
    /// The envelope's keys, in the order messages list them.
    public static let envelopeKeys = EnvelopeKey.allCases.map(\.rawValue)

    /// Whether events of types outside the catalogue are accepted (the CLI's `--raw`).
    public let allowRaw: Bool

    /// A parser; raw events are refused unless `allowRaw` is true.
    public init(allowRaw: Bool = false) {
        self.allowRaw = allowRaw
    }

    /// True for a line of only JSON whitespace (spaces, tabs, carriage returns,
    /// line feeds), an empty line included: such a line holds no event and
    /// should be skipped.
    public static func isBlank(_ line: UnsafeRawBufferPointer) -> Bool {
        for byte in line {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"): continue
            default: return false
            }
        }
        return true
    }

    /// True for a blank line; see the `UnsafeRawBufferPointer` form.
    public static func isBlank(_ line: [UInt8]) -> Bool {
        line.withUnsafeBytes { isBlank($0) }
    }

    /// True for a blank line; see the `UnsafeRawBufferPointer` form.
    public static func isBlank(_ line: ArraySlice<UInt8>) -> Bool {
        line.withUnsafeBytes { isBlank($0) }
    }

    /// The event on `line` (without its `\n`; one trailing `\r` is ignored).
    public func parse(_ line: UnsafeRawBufferPointer) throws(LedgerError) -> ProposedEvent {
        var bytes = line
        if let last = bytes.last, last == UInt8(ascii: "\r") {
            bytes = UnsafeRawBufferPointer(rebasing: bytes.dropLast())
        }
        let (value, compactMembers) = try JSONValue.parseWithCompactMembers(bytes)
        guard case .object(let envelope) = value else {
            throw LedgerError(.invalidInput, "an event must be a JSON object, got \(value.typeName)")
        }
        // data and metadata written compactly on the line are taken as they
        // are: the same bytes serialized() would write, without writing them.
        return try parse(envelope: envelope) { member in
            guard member < compactMembers.count, let range = compactMembers[member] else { return nil }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }
    }

    /// The event on `line`; see the `UnsafeRawBufferPointer` form.
    public func parse(_ line: [UInt8]) throws(LedgerError) -> ProposedEvent {
        // withUnsafeBytes rethrows untyped errors: carry the typed error out in a Result.
        try line.withUnsafeBytes { raw in Result { () throws(LedgerError) -> ProposedEvent in try parse(raw) } }.get()
    }

    /// The event on `line`; see the `UnsafeRawBufferPointer` form.
    public func parse(_ line: ArraySlice<UInt8>) throws(LedgerError) -> ProposedEvent {
        // withUnsafeBytes rethrows untyped errors: carry the typed error out in a Result.
        try line.withUnsafeBytes { raw in Result { () throws(LedgerError) -> ProposedEvent in try parse(raw) } }.get()
    }

    /// The event in the UTF-8 of `line`; see the `UnsafeRawBufferPointer` form.
    public func parse(_ line: String) throws(LedgerError) -> ProposedEvent {
        try parse(Array(line.utf8))
    }

    /// The event described by an already parsed envelope object (e.g. one element
    /// of a JSON array posted over HTTP).
    public func parse(envelope: JSONObject) throws(LedgerError) -> ProposedEvent {
        try parse(envelope: envelope) { _ in nil }
    }

    /// The event described by `envelope`; `compactText(i)` is the compact
    /// JSON text of the value of the envelope's i-th member when the caller
    /// has it (else nil: it is serialized from the parsed value).
    private func parse(envelope: JSONObject, compactText: (Int) -> String?) throws(LedgerError) -> ProposedEvent {
        var type: String?
        var data: JSONObject?
        var eventId: UUID?
        var expectedVersion: Int?
        var metadata: JSONObject?
        var stream: String?
        var dataMember = 0
        var metadataMember = 0

        for (member, (key, value)) in envelope.pairs.enumerated() {
            guard let envelopeKey = EnvelopeKey.named(key) else {
                throw LedgerError(
                    .invalidInput,
                    "unknown envelope key \(JSONText.echo(key)); the keys are: \(Self.envelopeKeys.joined(separator: ", "))",
                    details: ["field": key])
            }
            switch envelopeKey {
            case .type:
                guard case .string(let text) = value else { throw wrongType("type", "a string", value) }
                type = text
            case .data:
                guard case .object(let object) = value else { throw wrongType("data", "an object", value) }
                data = object
                dataMember = member
            case .eventId:
                if value.isNull { continue }
                guard case .string(let text) = value else { throw wrongType("eventId", "a UUID string", value) }
                eventId = try Self.parseUUID(text)
            case .expectedVersion:
                if value.isNull { continue }
                expectedVersion = try value.nonNegativeInt32(field: "expectedVersion")
            case .metadata:
                if value.isNull { continue }
                guard case .object(let object) = value else { throw wrongType("metadata", "an object", value) }
                metadata = object
                metadataMember = member
            case .stream:
                if value.isNull { continue }
                guard case .string(let text) = value else { throw wrongType("stream", "a string", value) }
                if let violation = NameFormat.stream.violation(in: text) {
                    throw LedgerError(
                        .invalidInput,
                        "envelope key 'stream' must be \(NameFormat.stream.pattern): \(JSONText.echo(text)) \(violation)",
                        details: ["field": "stream"])
                }
                stream = text
            }
        }

        guard let type else { throw missing("type") }
        guard let data else { throw missing("data") }

        let domain: DomainEvent?
        let resolvedStream: String
        var resolvedType = type
        if let domainType = DomainEventType.named(type) {
            // The catalogue's own name (the same bytes): a string constant,
            // not one more allocation per event to count references on.
            resolvedType = domainType.rawValue
            let event = try DomainEvent.decode(type: type, data: data)
            if let stream, stream != event.stream {
                throw LedgerError(
                    .invalidInput,
                    "envelope 'stream' is \(JSONText.echo(stream)) but a \(type) event with this data belongs to stream '\(event.stream)'",
                    details: ["field": "stream", "given": stream, "derived": event.stream])
            }
            domain = event
            resolvedStream = event.stream
        } else {
            resolvedStream = try rawStream(type: type, stream: stream)
            domain = nil
        }

        return ProposedEvent(
            stream: resolvedStream,
            type: resolvedType,
            eventId: eventId ?? UUID.v7(),
            eventIdWasGiven: eventId != nil,
            expectedVersion: expectedVersion,
            data: compactText(dataMember) ?? data.serialized(),
            metadata: metadata.map { compactText(metadataMember) ?? $0.serialized() } ?? "{}",
            domain: domain)
    }

    /// The stream of a raw event, or why the line is refused.
    private func rawStream(type: String, stream: String?) throws(LedgerError) -> String {
        guard allowRaw else {
            throw LedgerError(
                .invalidInput,
                "unknown event type \(JSONText.echo(type)); the known types are: "
                    + DomainEventType.allCases.map(\.rawValue).joined(separator: ", ")
                    + " (events of other types are raw events: they need an explicit \"stream\" and --raw)",
                details: ["field": "type", "type": type])
        }
        if let violation = NameFormat.eventType.violation(in: type) {
            throw LedgerError(
                .invalidInput,
                "envelope key 'type' must match \(NameFormat.eventType.pattern): \(JSONText.echo(type)) \(violation)",
                details: ["field": "type"])
        }
        guard let stream else {
            throw LedgerError(
                .invalidInput,
                "unknown event type \(JSONText.echo(type)): a raw event needs an explicit \"stream\"",
                details: ["field": "stream", "type": type])
        }
        let category = String(stream.prefix { $0 != "-" })
        guard !DomainEventType.domainStreamCategories.contains(category) else {
            throw LedgerError(
                .invalidInput,
                "raw event of type \(JSONText.echo(type)) cannot be written to stream '\(stream)':"
                    + " category '\(category)' holds domain events only",
                details: ["field": "stream", "type": type])
        }
        return stream
    }

    /// A UUID in the canonical 8-4-4-4-12 hex form, either case.
    static func parseUUID(_ text: String) throws(LedgerError) -> UUID {
        guard let uuid = UUIDText.parse(text) else {
            throw LedgerError(
                .invalidInput,
                "envelope key 'eventId' must be a UUID (8-4-4-4-12 hex digits), got \(JSONText.echo(text))",
                details: ["field": "eventId"])
        }
        return uuid
    }

    private func missing(_ key: String) -> LedgerError {
        LedgerError(.invalidInput, "missing required envelope key '\(key)'", details: ["field": key])
    }

    private func wrongType(_ key: String, _ expected: String, _ value: JSONValue) -> LedgerError {
        LedgerError(
            .invalidInput, "envelope key '\(key)' must be \(expected), got \(value.typeName)",
            details: ["field": key])
    }
}
