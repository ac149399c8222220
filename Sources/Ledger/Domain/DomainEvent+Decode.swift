extension DomainEvent {
    /// The domain event of wire type `type` with fields from `data`, validated.
    ///
    /// Throws `.invalidInput` for an unknown type ("unknown event type 'X'"), a
    /// missing required field (naming the field and the type), a field of the
    /// wrong JSON type, a name not in its ``NameFormat``, an enum field (`role`,
    /// `queue`, `to`, `kind`) outside its values (listing them), a text field
    /// longer than ``DomainLimits/maxTextFieldLength``, or a `WorkflowCreated`
    /// whose `kind` or `account` contradicts its internal name. `details` holds
    /// `type` and, for field errors, `field`. Optional fields given as `null`
    /// count as absent; fields not in the catalogue are ignored here.
    public static func decode(type: String, data: JSONObject) throws(LedgerError) -> DomainEvent {
        guard let eventType = DomainEventType.named(type) else {
            throw LedgerError(
                .invalidInput, "unknown event type \(JSONText.echo(type))",
                details: ["type": type])
        }
        let fields = DataFieldReader(type: type, data: data)
        switch eventType {
        case .instanceRegistered:
            return .instanceRegistered(
                instance: try fields.requiredName("instance", .instance),
                role: try fields.requiredChoice("role", as: InstanceRole.self))
        case .executionAccountRegistered:
            return .executionAccountRegistered(
                control: try fields.requiredName("control", .instance),
                account: try fields.requiredName("account", .account),
                instance: try fields.requiredName("instance", .instance))
        case .executionAccountDisabled:
            return .executionAccountDisabled(
                control: try fields.requiredName("control", .instance),
                account: try fields.requiredName("account", .account))
        case .executionAccountEnabled:
            return .executionAccountEnabled(
                control: try fields.requiredName("control", .instance),
                account: try fields.requiredName("account", .account))
        case .workflowCreated:
            return try decodeWorkflowCreated(fields)
        case .workflowStarted:
            return .workflowStarted(
                instance: try fields.requiredName("instance", .instance),
                workflow: try fields.requiredName("workflow", .workflow))
        case .workflowPaused:
            return .workflowPaused(
                instance: try fields.requiredName("instance", .instance),
                workflow: try fields.requiredName("workflow", .workflow))
        case .workflowStopped:
            return .workflowStopped(
                instance: try fields.requiredName("instance", .instance),
                workflow: try fields.requiredName("workflow", .workflow))
        case .workflowFailed:
            return .workflowFailed(
                instance: try fields.requiredName("instance", .instance),
                workflow: try fields.requiredName("workflow", .workflow),
                error: try fields.optionalText("error"))
        case .eventStatusChanged:
            return .eventStatusChanged(
                instance: try fields.requiredName("instance", .instance),
                eventId: try fields.requiredName("eventId", .eventId),
                queue: try fields.requiredChoice("queue", as: EventQueue.self),
                to: try fields.requiredChoice("to", as: EventStatus.self),
                eventType: try fields.optionalText("eventType"),
                channel: try fields.optionalText("channel"),
                reason: try fields.optionalText("reason"),
                recycledFrom: try fields.optionalText("recycledFrom"))
        }
    }

    /// `WorkflowCreated`: the kind and account come from the internal name where
    /// it implies them; given values must agree with it, and an account is only
    /// meaningful for an archiving workflow.
    private static func decodeWorkflowCreated(_ fields: DataFieldReader) throws(LedgerError) -> DomainEvent {
        let instance = try fields.requiredName("instance", .instance)
        let workflow = try fields.requiredName("workflow", .workflow)
        let givenKind = try fields.optionalChoice("kind", as: WorkflowKind.self)
        let givenAccount = try fields.optionalName("account", .account)
        let label = try fields.optionalText("label")
        let derived = WorkflowKind.derived(fromWorkflowName: workflow)

        if let derived, let givenKind, givenKind != derived.kind {
            throw fields.invalid(
                "kind",
                "is \(givenKind.rawValue) but workflow \(JSONText.echo(workflow)) is a \(derived.kind.rawValue) workflow")
        }
        if let derivedAccount = derived?.account, let givenAccount, givenAccount != derivedAccount {
            throw fields.invalid(
                "account",
                "is \(JSONText.echo(givenAccount)) but workflow \(JSONText.echo(workflow)) archives account \(JSONText.echo(derivedAccount))")
        }
        let kind = derived?.kind ?? givenKind
        if givenAccount != nil, let kind, kind != .archiving {
            throw fields.invalid("account", "is only meaningful for an archiving workflow, not \(kind.rawValue)")
        }
        return .workflowCreated(
            instance: instance, workflow: workflow, kind: kind,
            account: derived?.account ?? givenAccount, label: label)
    }
}

