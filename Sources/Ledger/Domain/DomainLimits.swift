/// Size limits of the domain's names and free-text fields.
public enum DomainLimits: Sendable {
    /// Longest instance (and control instance) name, in characters.
    public static let maxInstanceNameLength = 64
    /// Longest execution-instance account name, in characters.
    public static let maxAccountNameLength = 64
    /// Longest workflow internal name, in characters.
    public static let maxWorkflowNameLength = 128
    /// Longest transactional event identifier, in characters.
    public static let maxEventIdLength = 128
    /// Longest stream name, in characters.
    public static let maxStreamNameLength = 256
    /// Longest event type name, in characters.
    public static let maxEventTypeLength = 128
    /// Longest optional free-text field (label, error, eventType, channel, reason,
    /// recycledFrom), in Unicode scalars.
    public static let maxTextFieldLength = 1024
}
