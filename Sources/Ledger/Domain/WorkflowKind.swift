/// What a technical workflow is for. Raw values are the wire names (the `kind`
/// field of `WorkflowCreated`).
public enum WorkflowKind: String, Sendable, CaseIterable {
    /// Breaks batch events down in a queue (internal name `batchEventsProcessing`).
    case batchEventsProcessing
    /// Breaks real-time events down in a queue (internal name `rtEventsProcessing`).
    case rtEventsProcessing
    /// Gives each event its status from the delivery logs (internal name
    /// `updateEventStatus`, also spelled `updateEventsStatus`).
    case updateEventStatus
    /// Archives an execution instance's data on the control instance
    /// (internal name `mcSynch_<account>`, or any name on a minimal instance).
    case archiving

    /// The prefix of the internal name of an archiving workflow on a control instance.
    public static let archivingNamePrefix = "mcSynch_"

    /// The other accepted spelling of `updateEventStatus`.
    public static let updateEventsStatusAlias = "updateEventsStatus"

    /// The kind (and, for archiving, the account) that a workflow's internal name
    /// implies, or nil when the name implies none: `batchEventsProcessing`,
    /// `rtEventsProcessing`, `updateEventStatus` and `updateEventsStatus`, and
    /// `mcSynch_<account>` where `<account>` is a valid account name.
    public static func derived(fromWorkflowName name: String) -> (kind: WorkflowKind, account: String?)? {
        switch name {
        case "batchEventsProcessing": return (.batchEventsProcessing, nil)
        case "rtEventsProcessing": return (.rtEventsProcessing, nil)
        case "updateEventStatus", updateEventsStatusAlias: return (.updateEventStatus, nil)
        default:
            guard name.hasPrefix(archivingNamePrefix) else { return nil }
            let account = String(name.dropFirst(archivingNamePrefix.count))
            guard NameFormat.account.isValid(account) else { return nil }
            return (.archiving, account)
        }
    }

    /// The name that identifies a workflow: its internal name, except that both
    /// spellings of `updateEventStatus` identify the same workflow (and stream).
    public static func canonicalWorkflowName(_ name: String) -> String {
        name == updateEventsStatusAlias ? WorkflowKind.updateEventStatus.rawValue : name
    }
}
