import Foundation
import Testing
import Ledger

private let started = #""type":"WorkflowStarted","data":{"instance":"exec-01","workflow":"rtEventsProcessing"}"#

private func parse(_ line: String, allowRaw: Bool = false) throws -> ProposedEvent {
    try EnvelopeParser(allowRaw: allowRaw).parse(line)
}

private func refusal(
    _ line: String, allowRaw: Bool = false, sourceLocation: SourceLocation = #_sourceLocation
) -> LedgerError? {
    let error = #expect(throws: LedgerError.self, sourceLocation: sourceLocation) {
        try EnvelopeParser(allowRaw: allowRaw).parse(line)
    }
    #expect(error?.code == .invalidInput, sourceLocation: sourceLocation)
    return error
}

@Suite("Envelope parsing")
struct EnvelopeParserTests {
    @Test func minimalEventGetsDefaults() throws {
        let event = try parse("{\(started)}")
        #expect(event.type == "WorkflowStarted")
        #expect(event.stream == "workflow-exec-01.rtEventsProcessing")
        #expect(event.category == "workflow")
        #expect(event.domain == .workflowStarted(instance: "exec-01", workflow: "rtEventsProcessing"))
        #expect(event.eventIdWasGiven == false)
        #expect(event.eventId.version == 7)
        #expect(event.expectedVersion == nil)
        #expect(event.data == #"{"instance":"exec-01","workflow":"rtEventsProcessing"}"#)
        #expect(event.metadata == "{}")
    }

    @Test func fullEnvelope() throws {
        let line = """
            { "type" : "EventStatusChanged", "eventId": "6F1C2B3A-0D4E-4F5A-8B6C-7D8E9F0A1B2C", "expectedVersion": 4,
              "stream": "rtEvent-exec-01.e42",
              "data": {"instance": "exec-01", "eventId": "e42", "queue": "realtime", "to": "sent", "extra": [1.50, {"k": null}]},
              "metadata": {"actor": "ops@example", "correlationId": "c-1"} }
            """.replacingOccurrences(of: "\n", with: " ")
        let event = try parse(line)
        #expect(event.eventIdWasGiven)
        #expect(event.eventIdString == "6f1c2b3a-0d4e-4f5a-8b6c-7d8e9f0a1b2c")
        #expect(event.expectedVersion == 4)
        #expect(event.stream == "rtEvent-exec-01.e42")
        #expect(event.data == #"{"instance":"exec-01","eventId":"e42","queue":"realtime","to":"sent","extra":[1.50,{"k":null}]}"#)
        #expect(event.metadata == #"{"actor":"ops@example","correlationId":"c-1"}"#)
        #expect(event.domain == .eventStatusChanged(
            instance: "exec-01", eventId: "e42", queue: .realtime, to: .sent,
            eventType: nil, channel: nil, reason: nil, recycledFrom: nil))
    }

    /// data and metadata written compactly on the line are copied, not
    /// written again; anything else (whitespace, an escape) is written
    /// compactly. Either way the text is what serialized() writes.
    @Test(arguments: [
        (#"{"instance":"exec-01","workflow":"rt","n":[1.50,-2e3,true,null],"o":{"k":"v w"}}"#,
         #"{"instance":"exec-01","workflow":"rt","n":[1.50,-2e3,true,null],"o":{"k":"v w"}}"#),
        (#"{"instance":"exec-01","workflow":"rt","o":{"k": "v"}}"#,
         #"{"instance":"exec-01","workflow":"rt","o":{"k":"v"}}"#),
        (#"{"instance":"exec-01","workflow":"rt","o":[1 ,2]}"#,
         #"{"instance":"exec-01","workflow":"rt","o":[1,2]}"#),
        (#"{"instance":"exec-01","workflow":"rt","o":"\u00e9\/\n"}"#,
         #"{"instance":"exec-01","workflow":"rt","o":"é/\n"}"#),
        (#"{"instance":"exec-01","workflow":"rt","o":"\u001F"}"#,
         #"{"instance":"exec-01","workflow":"rt","o":"\u001f"}"#),
    ])
    func dataAndMetadataTextIsCompact(written: String, compact: String) throws {
        for line in [
            #"{"type":"WorkflowStarted","data":\#(written),"metadata":\#(written)}"#,
            #"{"type":"WorkflowStarted", "metadata" : \#(written) ,"data":\#(written)}"#,
        ] {
            let event = try parse(line)
            #expect(event.data == compact)
            #expect(event.metadata == compact)
            #expect(event.data == (try JSONValue.parse(written)).serialized())
        }
    }

    @Test func eventIdIsStoredLowercase() throws {
        let upper = try parse(#"{\#(started),"eventId":"ABCDEF01-2345-6789-ABCD-EF0123456789"}"#)
        let lower = try parse(#"{\#(started),"eventId":"abcdef01-2345-6789-abcd-ef0123456789"}"#)
        #expect(upper.eventId == lower.eventId)
        #expect(upper.eventIdString == "abcdef01-2345-6789-abcd-ef0123456789")
    }

    @Test(arguments: [
        #""not-a-uuid""#, #""abcdef01-2345-6789-abcd-ef012345678""#, #""{abcdef01-2345-6789-abcd-ef0123456789}""#,
        #""abcdef0123456789abcdef0123456789""#, #""abcdef01-2345-6789-abcd-ef012345678g""#,
        #""abcdef01+2345-6789-abcd-ef0123456789""#, "\"\"", "42", "{}", "[]", "true",
    ])
    func badEventIdsAreRefused(value: String) {
        let error = refusal(#"{\#(started),"eventId":\#(value)}"#)
        #expect(error?.details["field"] == "eventId")
        #expect(error?.message.contains("'eventId'") == true)
    }

    @Test func generatedEventIdsDiffer() throws {
        let a = try parse("{\(started)}")
        let b = try parse("{\(started)}")
        #expect(a.eventId != b.eventId)
        #expect(a.eventIdString == a.eventIdString.lowercased())
    }

    @Test(arguments: [("0", 0), ("7", 7), ("2147483647", 2_147_483_647)])
    func expectedVersionIsAccepted(literal: String, value: Int) throws {
        #expect(try parse(#"{\#(started),"expectedVersion":\#(literal)}"#).expectedVersion == value)
    }

    @Test(arguments: ["-1", "1.5", #""3""#, "2147483648", "1e2", "true", "[1]", "99999999999999999999999"])
    func expectedVersionIsValidated(literal: String) {
        let error = refusal(#"{\#(started),"expectedVersion":\#(literal)}"#)
        #expect(error?.details["field"] == "expectedVersion")
    }

    @Test func nullOptionalKeysCountAsAbsent() throws {
        let event = try parse(#"{\#(started),"eventId":null,"expectedVersion":null,"metadata":null,"stream":null}"#)
        #expect(!event.eventIdWasGiven)
        #expect(event.expectedVersion == nil)
        #expect(event.metadata == "{}")
    }

    @Test func metadataMustBeAnObject() {
        #expect(refusal(#"{\#(started),"metadata":[1]}"#)?.message == "envelope key 'metadata' must be an object, got array")
        #expect(refusal(#"{\#(started),"metadata":"x"}"#)?.details["field"] == "metadata")
    }

    @Test func requiredKeys() {
        #expect(refusal(#"{"data":{}}"#)?.message == "missing required envelope key 'type'")
        #expect(refusal(#"{"type":"WorkflowStarted"}"#)?.message == "missing required envelope key 'data'")
        #expect(refusal(#"{"type":7,"data":{}}"#)?.message == "envelope key 'type' must be a string, got number")
        #expect(refusal(#"{"type":"WorkflowStarted","data":[]}"#)?.message == "envelope key 'data' must be an object, got array")
        #expect(refusal(#"{"type":"WorkflowStarted","data":"{}"}"#)?.details["field"] == "data")
    }

    @Test(arguments: ["Type", "payload", "version", "event_id", ""])
    func unknownEnvelopeKeysAreNamed(key: String) {
        let error = refusal(#"{\#(started),"\#(key)":1}"#)
        #expect(error?.message.hasPrefix("unknown envelope key '\(key)'") == true)
        #expect(error?.details["field"] == key)
    }

    @Test func explicitStreamMustMatch() throws {
        #expect(try parse(#"{\#(started),"stream":"workflow-exec-01.rtEventsProcessing"}"#).stream == "workflow-exec-01.rtEventsProcessing")
        let error = refusal(#"{\#(started),"stream":"workflow-exec-02.rtEventsProcessing"}"#)
        #expect(error?.message.contains("'workflow-exec-02.rtEventsProcessing'") == true)
        #expect(error?.message.contains("'workflow-exec-01.rtEventsProcessing'") == true)
        #expect(error?.details["given"] == "workflow-exec-02.rtEventsProcessing")
        #expect(error?.details["derived"] == "workflow-exec-01.rtEventsProcessing")
        // The derived stream uses the canonical spelling of updateEventStatus.
        #expect(refusal(#"{"type":"WorkflowStarted","data":{"instance":"e","workflow":"updateEventsStatus"},"stream":"workflow-e.updateEventsStatus"}"#) != nil)
    }

    @Test(arguments: ["nodash", "a b-c", "-x", "x-", String(repeating: "s", count: 250) + "-" + String(repeating: "t", count: 10)])
    func malformedStreamsAreRefused(stream: String) {
        #expect(refusal(#"{"type":"Custom","data":{},"stream":"\#(stream)"}"#, allowRaw: true)?.details["field"] == "stream")
    }

    @Test func unknownTypesAreRefusedWithoutRaw() {
        let error = refusal(#"{"type":"CustomThing","data":{},"stream":"custom-1"}"#)
        #expect(error?.message.hasPrefix("unknown event type 'CustomThing'") == true)
        #expect(error?.message.contains("--raw") == true)
        #expect(refusal(#"{"type":"CustomThing","data":{}}"#)?.message.contains("--raw") == true)
    }

    @Test func rawEventsWithRaw() throws {
        let event = try parse(#"{"type":"CustomThing","data":{"any":["thing"]},"stream":"custom-1.a:b"}"#, allowRaw: true)
        #expect(event.domain == nil)
        #expect(event.stream == "custom-1.a:b")
        #expect(event.category == "custom")
        #expect(event.type == "CustomThing")
        #expect(event.data == #"{"any":["thing"]}"#)

        #expect(refusal(#"{"type":"CustomThing","data":{}}"#, allowRaw: true)?.message.contains("needs an explicit \"stream\"") == true)
        #expect(refusal(#"{"type":"Custom Thing","data":{},"stream":"custom-1"}"#, allowRaw: true)?.details["field"] == "type")
        // Raw events cannot be slipped into domain streams, which would bypass their rules.
        for category in ["instance", "account", "workflow", "rtEvent", "batchEvent"] {
            #expect(refusal(#"{"type":"CustomThing","data":{},"stream":"\#(category)-x.y"}"#, allowRaw: true)?.message.contains("domain events only") == true)
        }
        // Catalogue types are still validated in raw mode.
        #expect(refusal(#"{"type":"WorkflowStarted","data":{"instance":"exec-01"}}"#, allowRaw: true)?.details["field"] == "workflow")
    }

    @Test func domainErrorsPassThrough() {
        let error = refusal(#"{"type":"InstanceRegistered","data":{"instance":"x","role":"boss"}}"#)
        #expect(error?.message.contains("InstanceRegistered: field 'role' must be one of control, execution, minimal") == true)
    }

    @Test func lineMustBeAnObject() {
        #expect(refusal("[1,2]")?.message == "an event must be a JSON object, got array")
        #expect(refusal(#""x""#)?.message == "an event must be a JSON object, got string")
        #expect(refusal("{")?.message.hasPrefix("invalid JSON:") == true)
        #expect(refusal(#"{"type":"WorkflowStarted","type":"WorkflowPaused","data":{}}"#)?.message.contains("duplicate object key 'type'") == true)
    }

    @Test func trailingCarriageReturnIsIgnored() throws {
        let bytes = Array("{\(started)}\r".utf8)
        #expect(try EnvelopeParser().parse(bytes).type == "WorkflowStarted")
        #expect(try EnvelopeParser().parse(ArraySlice(bytes)).type == "WorkflowStarted")
        #expect(try bytes.withUnsafeBytes { try EnvelopeParser().parse($0) }.type == "WorkflowStarted")
    }

    @Test func dataIsCompactAndNormalized() throws {
        let event = try parse(#"{"type":"WorkflowFailed","data":{ "instance" : "exec-01" , "workflow":"w", "error":"a\u0041\/\"q\" \u00e9" }}"#)
        #expect(event.data == #"{"instance":"exec-01","workflow":"w","error":"aA/\"q\" é"}"#)
        #expect(event.domain == .workflowFailed(instance: "exec-01", workflow: "w", error: "aA/\"q\" é"))
    }

    @Test func parsesAnAlreadyParsedEnvelope() throws {
        let value = try JSONValue.parse("{\(started)}")
        let event = try EnvelopeParser().parse(envelope: try #require(value.objectValue))
        #expect(event.stream == "workflow-exec-01.rtEventsProcessing")
    }

    @Test(arguments: ["", " ", "\t", "\r", " \t \r", "\n"])
    func blankLines(line: String) {
        #expect(EnvelopeParser.isBlank(Array(line.utf8)))
        #expect(EnvelopeParser.isBlank(ArraySlice(line.utf8)))
    }

    @Test(arguments: ["x", " {}", "\u{A0}", "\u{0}"])
    func nonBlankLines(line: String) {
        #expect(!EnvelopeParser.isBlank(Array(line.utf8)))
    }
}
