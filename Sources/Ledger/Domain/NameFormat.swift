/// The formats of the domain's names, checked byte by byte (no regular
/// expressions). Every format allows ASCII characters only, so a name's length in
/// bytes is its length in characters.
public enum NameFormat: Sendable, CaseIterable {
    /// An instance name (also a control instance): `[A-Za-z0-9_.-]{1,64}`.
    case instance
    /// An execution-instance account name: `[A-Za-z0-9_]{1,64}`.
    case account
    /// A workflow internal name: `[A-Za-z0-9_.-]{1,128}`.
    case workflow
    /// A transactional event identifier: `[A-Za-z0-9_.:-]{1,128}`.
    case eventId
    /// A stream name: `<category>-<rest>`, where the category (before the first
    /// `-`) is `[A-Za-z0-9_.:]+`, the rest is `[A-Za-z0-9_.:-]+`, 256 characters at most.
    case stream
    /// An event type name: `[A-Za-z0-9_.:-]{1,128}`.
    case eventType

    /// The longest legal name, in characters.
    public var maxLength: Int {
        switch self {
        case .instance: return DomainLimits.maxInstanceNameLength
        case .account: return DomainLimits.maxAccountNameLength
        case .workflow: return DomainLimits.maxWorkflowNameLength
        case .eventId: return DomainLimits.maxEventIdLength
        case .stream: return DomainLimits.maxStreamNameLength
        case .eventType: return DomainLimits.maxEventTypeLength
        }
    }

    /// The format written as a pattern, for error messages.
    public var pattern: String {
        switch self {
        case .instance: return "[A-Za-z0-9_.-]{1,\(maxLength)}"
        case .account: return "[A-Za-z0-9_]{1,\(maxLength)}"
        case .workflow: return "[A-Za-z0-9_.-]{1,\(maxLength)}"
        case .eventId, .eventType: return "[A-Za-z0-9_.:-]{1,\(maxLength)}"
        case .stream: return "<category>-<id> of [A-Za-z0-9_.:-], at most \(maxLength) characters"
        }
    }

    /// True when `name` has this format.
    public func isValid(_ name: String) -> Bool {
        violation(in: name) == nil
    }

    /// Why `name` does not have this format (e.g. "is empty", "is 65 characters
    /// long, more than 64", "contains ' ' at position 3"), or nil when it has it.
    public func violation(in name: String) -> String? {
        let bytes = name.utf8
        if bytes.isEmpty { return "is empty" }
        if let offset = firstDisallowedByte(in: name) {
            return disallowedCharacter(in: name, atByte: offset)
        }
        if bytes.count > maxLength {
            return "is \(bytes.count) characters long, more than \(maxLength)"
        }
        if self == .stream {
            guard let dash = bytes.firstIndex(of: UInt8(ascii: "-")) else {
                return "has no '-' separating its category from its id"
            }
            if dash == bytes.startIndex { return "has an empty category before '-'" }
            if bytes.index(after: dash) == bytes.endIndex { return "has nothing after its category" }
        }
        return nil
    }

    /// The offset of the first byte of `name` that this format does not allow.
    private func firstDisallowedByte(in name: String) -> Int? {
        let scan = { (bytes: UnsafeBufferPointer<UInt8>) -> Int? in
            for i in 0..<bytes.count where !allows(bytes[i]) { return i }
            return nil
        }
        if let result = name.utf8.withContiguousStorageIfAvailable(scan) { return result }
        var copy = name
        return copy.withUTF8(scan)
    }

    /// True for the bytes this format allows anywhere in a name.
    @inline(__always)
    func allows(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
            return true
        case UInt8(ascii: "."), UInt8(ascii: "-"):
            return self != .account
        case UInt8(ascii: ":"):
            return self == .eventId || self == .stream || self == .eventType
        default:
            return false
        }
    }

    private func disallowedCharacter(in name: String, atByte offset: Int) -> String {
        // Name the character, not the byte, when it is not ASCII.
        var byteCount = 0
        var position = 1
        for scalar in name.unicodeScalars {
            if byteCount >= offset {
                return "contains \(JSONText.echo(String(scalar))) (U+\(hex(scalar.value))) at position \(position)"
            }
            byteCount += UTF8.width(scalar)
            position += 1
        }
        return "contains a character that is not allowed at position \(position)"
    }

    private func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
