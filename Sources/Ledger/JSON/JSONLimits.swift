/// Bounds the JSON parser enforces on every input, so that hostile input is
/// refused precisely instead of exhausting the stack or memory.
public enum JSONLimits: Sendable {
    /// The deepest nesting of arrays and objects accepted; a document nested one
    /// level deeper is refused with `.invalidInput`. A top-level array is depth 1.
    public static let maxDepth = 64

    /// The longest number literal accepted, in characters; a longer literal is
    /// refused with `.invalidInput` (PostgreSQL `numeric` would accept it, but no
    /// field of the ledger needs it and it costs memory downstream).
    public static let maxNumberLength = 64
}
