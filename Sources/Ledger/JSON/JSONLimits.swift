/// Bounds the JSON parser enforces on every input, so that hostile input is
/// refused precisely instead of exhausting the stack or memory.
public enum JSONLimits: Sendable {
    /// The deepest nesting of arrays and objects accepted; a document nested one
    /// level deeper is refused with `.invalidInput`. A top-level array is depth 1.
    public static let maxDepth = 64

    /// The longest number literal accepted, in characters as written. A longer
    /// one is refused with `.invalidInput`.
    public static let maxNumberLength = 64

    /// The longest number accepted written out in full without an exponent,
    /// the way PostgreSQL's `jsonb` stores and prints it (`1e62` is 63
    /// characters there, `1e131071` 131,072, `1e999999` overflows `numeric`).
    /// A longer one is refused with `.invalidInput`: an exponent would otherwise
    /// turn a 1 MiB line into gigabytes of stored text. 400 admits every
    /// IEEE-754 double a JSON writer can produce (the smallest, 4.9406564584124654e-324,
    /// is 342 characters written out; the largest, 1.7976931348623157e308, 309).
    public static let maxStoredNumberLength = 400
}
