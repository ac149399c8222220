/// Bounds on NDJSON input, named so that they are visible in one place.
public enum NDJSONLimits: Sendable {
    /// The longest line accepted, in bytes, not counting its `\n` (or `\r\n`)
    /// terminator. A longer line is an `.invalidInput` error for that line only.
    public static let maxLineBytes = 1 << 20

    /// How many bytes ``NDJSONLineReader`` asks the kernel for per `read(2)`.
    public static let readChunkBytes = 1 << 20
}
