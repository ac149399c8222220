import Testing
import Ledger

/// One valid data object per catalogue type, with the event it must decode to
/// and the stream it belongs to.
private let catalogue: [(type: String, data: [String: String], event: DomainEvent, stream: String)] = [
    ("InstanceRegistered", ["instance": "exec-01", "role": "execution"],
     .instanceRegistered(instance: "exec-01", role: .execution), "instance-exec-01"),
    ("ExecutionAccountRegistered", ["control": "ctrl", "account": "exec01", "instance": "exec-01"],
     .executionAccountRegistered(control: "ctrl", account: "exec01", instance: "exec-01"), "account-ctrl.exec01"),
    ("ExecutionAccountDisabled", ["control": "ctrl", "account": "exec01"],
     .executionAccountDisabled(control: "ctrl", account: "exec01"), "account-ctrl.exec01"),
    ("ExecutionAccountEnabled", ["control": "ctrl", "account": "exec01"],
     .executionAccountEnabled(control: "ctrl", account: "exec01"), "account-ctrl.exec01"),
    ("WorkflowCreated", ["instance": "exec-01", "workflow": "rtEventsProcessing", "label": "RT"],
     .workflowCreated(instance: "exec-01", workflow: "rtEventsProcessing", kind: .rtEventsProcessing, account: nil, label: "RT"),
     "workflow-exec-01.rtEventsProcessing"),
    ("WorkflowStarted", ["instance": "exec-01", "workflow": "rtEventsProcessing"],
     .workflowStarted(instance: "exec-01", workflow: "rtEventsProcessing"), "workflow-exec-01.rtEventsProcessing"),
    ("WorkflowPaused", ["instance": "exec-01", "workflow": "rtEventsProcessing"],
     .workflowPaused(instance: "exec-01", workflow: "rtEventsProcessing"), "workflow-exec-01.rtEventsProcessing"),
    ("WorkflowStopped", ["instance": "exec-01", "workflow": "rtEventsProcessing"],
     .workflowStopped(instance: "exec-01", workflow: "rtEventsProcessing"), "workflow-exec-01.rtEventsProcessing"),
    ("WorkflowFailed", ["instance": "exec-01", "workflow": "rtEventsProcessing", "error": "disk full"],
     .workflowFailed(instance: "exec-01", workflow: "rtEventsProcessing", error: "disk full"),
     "workflow-exec-01.rtEventsProcessing"),
    ("EventStatusChanged",
     ["instance": "exec-01", "eventId": "e42", "queue": "realtime", "to": "pending", "eventType": "ORDER_CONFIRMATION",
      "channel": "email", "reason": "queued", "recycledFrom": "e41"],
     .eventStatusChanged(instance: "exec-01", eventId: "e42", queue: .realtime, to: .pending,
                         eventType: "ORDER_CONFIRMATION", channel: "email", reason: "queued", recycledFrom: "e41"),
     "rtEvent-exec-01.e42"),
    ("EventStatusChanged", ["instance": "exec-01", "eventId": "b:7", "queue": "batch", "to": "sent"],
     .eventStatusChanged(instance: "exec-01", eventId: "b:7", queue: .batch, to: .sent,
                         eventType: nil, channel: nil, reason: nil, recycledFrom: nil),
     "batchEvent-exec-01.b:7"),
]

/// Every required field of every type.
private let requiredFields: [(type: String, field: String)] = [
    ("InstanceRegistered", "instance"), ("InstanceRegistered", "role"),
    ("ExecutionAccountRegistered", "control"), ("ExecutionAccountRegistered", "account"),
    ("ExecutionAccountRegistered", "instance"),
    ("ExecutionAccountDisabled", "control"), ("ExecutionAccountDisabled", "account"),
    ("ExecutionAccountEnabled", "control"), ("ExecutionAccountEnabled", "account"),
    ("WorkflowCreated", "instance"), ("WorkflowCreated", "workflow"),
    ("WorkflowStarted", "instance"), ("WorkflowStarted", "workflow"),
    ("WorkflowPaused", "instance"), ("WorkflowPaused", "workflow"),
    ("WorkflowStopped", "instance"), ("WorkflowStopped", "workflow"),
    ("WorkflowFailed", "instance"), ("WorkflowFailed", "workflow"),
    ("EventStatusChanged", "instance"), ("EventStatusChanged", "eventId"),
    ("EventStatusChanged", "queue"), ("EventStatusChanged", "to"),
]

private func validData(for type: String) -> [String: String] {
    catalogue.first { $0.type == type }?.data ?? [:]
}

private func decodeError(_ type: String, _ members: JSONObject) -> LedgerError? {
    let error = #expect(throws: LedgerError.self) { try DomainEvent.decode(type: type, data: members) }
    #expect(error?.code == .invalidInput)
    return error
}

@Suite("Domain event decoding")
struct DomainEventDecodeTests {
    @Test(arguments: catalogue.indices)
    func decodesEveryCatalogueType(index: Int) throws {
        let entry = catalogue[index]
        let event = try DomainEvent.decode(type: entry.type, data: data(entry.data))
        #expect(event == entry.event)
        #expect(event.typeName == entry.type)
        #expect(event.stream == entry.stream)
        #expect(NameFormat.stream.isValid(event.stream))
    }

    @Test func catalogueIsCovered() {
        #expect(Set(catalogue.map(\.type)) == Set(DomainEventType.allCases.map(\.rawValue)))
    }

    @Test(arguments: requiredFields.indices)
    func missingRequiredFieldIsNamed(index: Int) {
        let (type, field) = requiredFields[index]
        var members = validData(for: type)
        members[field] = nil
        let error = decodeError(type, data(members))
        #expect(error?.message == "\(type): missing required field '\(field)' in data")
        #expect(error?.details["field"] == field)
        #expect(error?.details["type"] == type)

        // null counts as absent.
        var withNull = data(members)
        withNull.pairs.append((key: field, value: .null))
        #expect(decodeError(type, withNull)?.details["field"] == field)
    }

    @Test(arguments: requiredFields.indices)
    func wrongJSONTypeIsNamed(index: Int) {
        let (type, field) = requiredFields[index]
        var members = data(validData(for: type))
        members.pairs = members.pairs.map { $0.key == field ? (key: field, value: .number("7")) : $0 }
        let error = decodeError(type, members)
        #expect(error?.message == "\(type): field '\(field)' must be a string, got number")
        #expect(error?.details["field"] == field)
    }

    @Test(arguments: [
        ("InstanceRegistered", "instance", ""), ("InstanceRegistered", "instance", String(repeating: "x", count: 65)),
        ("InstanceRegistered", "instance", "bad name"), ("ExecutionAccountRegistered", "control", "c/1"),
        ("ExecutionAccountRegistered", "account", "acc-1"), ("ExecutionAccountRegistered", "instance", "i'1"),
        ("WorkflowStarted", "workflow", String(repeating: "w", count: 129)), ("WorkflowStarted", "workflow", "w w"),
        ("EventStatusChanged", "eventId", "e/42"), ("EventStatusChanged", "eventId", ""),
        ("EventStatusChanged", "eventId", String(repeating: "e", count: 129)),
        ("EventStatusChanged", "instance", "exec\u{0}01"),
    ])
    func badNamesAreRefused(type: String, field: String, value: String) {
        var members = validData(for: type)
        members[field] = value
        let error = decodeError(type, data(members))
        #expect(error?.details["field"] == field)
        #expect(error?.message.hasPrefix("\(type): field '\(field)' must match [") == true)
    }

    @Test(arguments: [
        ("InstanceRegistered", "role", "boss", "control, execution, minimal"),
        ("EventStatusChanged", "queue", "rt", "realtime, batch"),
        ("EventStatusChanged", "to", "delivered",
         "pending, pendingDelivery, sent, ignored, deliveryFailed, notTakenIntoAccount, expired"),
        ("EventStatusChanged", "to", "Pending", "pending, pendingDelivery"),
    ])
    func enumFieldsListTheirValues(type: String, field: String, value: String, listed: String) {
        var members = validData(for: type)
        members[field] = value
        let error = decodeError(type, data(members))
        #expect(error?.message.contains("must be one of \(listed)") == true)
        #expect(error?.message.contains("'\(value)'") == true)
        #expect(error?.details["field"] == field)
    }

    @Test(arguments: ["eventType", "channel", "reason", "recycledFrom"])
    func optionalTextIsBounded(field: String) throws {
        var members = validData(for: "EventStatusChanged")
        members[field] = String(repeating: "x", count: DomainLimits.maxTextFieldLength)
        #expect(throws: Never.self) { try DomainEvent.decode(type: "EventStatusChanged", data: data(members)) }
        // Characters, not bytes: 1024 emoji are fine.
        members[field] = String(repeating: "\u{1F600}", count: DomainLimits.maxTextFieldLength)
        #expect(throws: Never.self) { try DomainEvent.decode(type: "EventStatusChanged", data: data(members)) }
        members[field] = String(repeating: "x", count: DomainLimits.maxTextFieldLength + 1)
        let error = decodeError("EventStatusChanged", data(members))
        #expect(error?.message.contains("is 1025 characters long, more than 1024") == true)
        #expect(error?.details["field"] == field)
    }

    @Test func optionalTextMustBeAString() {
        var members = data(validData(for: "WorkflowFailed"))
        members.pairs = members.pairs.map { $0.key == "error" ? (key: "error", value: .object(JSONObject())) : $0 }
        #expect(decodeError("WorkflowFailed", members)?.message == "WorkflowFailed: field 'error' must be a string, got object")
        var label = data(validData(for: "WorkflowCreated"))
        label.pairs = label.pairs.map { $0.key == "label" ? (key: "label", value: .array([])) : $0 }
        #expect(decodeError("WorkflowCreated", label)?.details["field"] == "label")
    }

    @Test func optionalFieldsMayBeNullOrAbsent() throws {
        let members = data([
            ("instance", .string("i")), ("workflow", .string("w")), ("error", .null),
        ])
        #expect(try DomainEvent.decode(type: "WorkflowFailed", data: members) == .workflowFailed(instance: "i", workflow: "w", error: nil))
        #expect(try DomainEvent.decode(type: "WorkflowFailed", data: data(["instance": "i", "workflow": "w"]))
            == .workflowFailed(instance: "i", workflow: "w", error: nil))
    }

    @Test func extraFieldsAreAllowed() throws {
        var members = data(validData(for: "InstanceRegistered"))
        members.pairs.append((key: "site", value: .string("paris")))
        members.pairs.append((key: "tags", value: .array([.number("1")])))
        #expect(try DomainEvent.decode(type: "InstanceRegistered", data: members) == .instanceRegistered(instance: "exec-01", role: .execution))
    }

    @Test(arguments: ["Nope", "instanceRegistered", "WorkflowResumed", "", "InstanceRegistered "])
    func unknownTypesAreRefused(type: String) {
        let error = decodeError(type, data(["instance": "x", "role": "control"]))
        #expect(error?.message == "unknown event type '\(type)'")
        #expect(error?.details["type"] == type)
    }

    @Test func hostileValuesAreEchoedSafely() {
        let hostile = "x\n[FAKE] line\"" + String(repeating: "y", count: 500)
        let error = decodeError("InstanceRegistered", data(["instance": hostile, "role": "control"]))
        let message = error?.message ?? ""
        #expect(!message.contains("\n"))
        #expect(message.utf8.count < 300)
        #expect(message.contains(#"x\n[FAKE] line\""#))
        #expect(message.contains("...'"))
    }
}
