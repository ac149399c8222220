/// A commitment to the ledger up to a position: `(position, hash)` of an event.
/// An auditor who kept a digest can later check the ledger still extends it.
public struct Digest: Sendable, Equatable, CustomStringConvertible {
    public var position: Int
    /// SHA-256, 32 bytes.
    public var hash: [UInt8]

    public init(position: Int, hash: [UInt8]) {
        self.position = position
        self.hash = hash
    }

    /// Parses `POSITION:HASH` (hash as 64 hex digits).
    public init(parsing text: String) throws(LedgerError) {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let position = Int(parts[0]), position >= 0,
              let hash = Hex.decode(String(parts[1])), hash.count == 32 else {
            throw LedgerError(.usage, "invalid digest '\(text)': expected POSITION:HASH with a non-negative position and 64 hex digits")
        }
        self.init(position: position, hash: hash)
    }

    /// `POSITION:HASH` with the hash in lowercase hex.
    public var description: String { "\(position):\(Hex.encode(hash))" }
}
