/// A single-pass, byte-level JSON (RFC 8259) parser over a contiguous buffer.
///
/// It guarantees that any document it accepts is valid UTF-8, nested at most
/// ``JSONLimits/maxDepth`` deep, free of duplicate object keys, of NUL
/// characters and of lone surrogates, and that its number literals are valid and
/// at most ``JSONLimits/maxNumberLength`` long, both as written and written out
/// in full the way PostgreSQL stores them (so `1e999999` is refused). Anything else is refused with an
/// `.invalidInput` error naming what was wrong and the byte offset where it was.
struct JSONParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var depth = 0
    /// How many times so far the text was not in compact form: whitespace
    /// between tokens, or an escape in a string. A value parsed while it did
    /// not change is written exactly as ``JSONWriter`` would write it.
    private var departuresFromCompact = 0
    /// When recording: for each member of the top-level object, in order,
    /// the byte range of its value when that value's text is compact, else nil.
    private(set) var compactMemberValues: [Range<Int>?]? = nil

    /// Objects with at least this many members check duplicates with a set
    /// instead of a linear scan.
    private static let linearDuplicateScanLimit = 16

    /// Room reserved for an object's members: event objects have a handful, and
    /// regrowing from 1 costs more than the few unused slots.
    private static let initialObjectCapacity = 8

    init(_ bytes: UnsafeBufferPointer<UInt8>, recordingCompactMembers: Bool = false) {
        self.bytes = bytes
        if recordingCompactMembers { compactMemberValues = [] }
    }

    /// Parses the whole buffer as exactly one JSON value surrounded by optional whitespace.
    mutating func parseDocument() throws(LedgerError) -> JSONValue {
        skipWhitespace()
        guard index < bytes.count else {
            throw LedgerError(.invalidInput, "invalid JSON: empty input", details: ["offset": "0"])
        }
        let value = try parseValue()
        skipWhitespace()
        guard index == bytes.count else {
            throw unexpected("trailing data after the JSON value")
        }
        return value
    }

    // MARK: - Values

    private mutating func parseValue() throws(LedgerError) -> JSONValue {
        guard index < bytes.count else { throw endOfInput("a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            return try parseObject()
        case UInt8(ascii: "["):
            return try parseArray()
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber())
        default:
            throw unexpected("expected a value")
        }
    }

    private mutating func enterContainer() throws(LedgerError) {
        depth += 1
        if depth > JSONLimits.maxDepth {
            throw fail("nesting deeper than \(JSONLimits.maxDepth) levels", at: index)
        }
    }

    private mutating func parseObject() throws(LedgerError) -> JSONValue {
        try enterContainer()
        index += 1  // '{'
        var pairs: [(key: String, value: JSONValue)] = []
        pairs.reserveCapacity(Self.initialObjectCapacity)
        var seen: Set<String>? = nil
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object(JSONObject(pairs))
        }
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw endOfInput("an object key") }
            guard bytes[index] == UInt8(ascii: "\"") else { throw unexpected("expected a string object key") }
            let keyOffset = index
            let key = try parseString()
            if isDuplicate(key, in: pairs, seen: &seen) {
                throw fail("duplicate object key \(JSONText.echo(key))", at: keyOffset)
            }
            skipWhitespace()
            guard index < bytes.count else { throw endOfInput("':'") }
            guard bytes[index] == UInt8(ascii: ":") else { throw unexpected("expected ':' after an object key") }
            index += 1
            skipWhitespace()
            let valueStart = index
            let departures = departuresFromCompact
            let value = try parseValue()
            if depth == 1, compactMemberValues != nil {
                compactMemberValues?.append(departures == departuresFromCompact ? valueStart..<index : nil)
            }
            pairs.append((key: key, value: value))
            skipWhitespace()
            guard index < bytes.count else { throw endOfInput("',' or '}'") }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "}"):
                index += 1
                depth -= 1
                return .object(JSONObject(pairs))
            default:
                throw unexpected("expected ',' or '}' in an object")
            }
        }
    }

    /// Byte-exact duplicate detection: a linear scan for small objects, a set of
    /// keys (which compares by canonical equivalence, so a hit is confirmed byte
    /// for byte) for large ones.
    private func isDuplicate(
        _ key: String, in pairs: [(key: String, value: JSONValue)], seen: inout Set<String>?
    ) -> Bool {
        if pairs.count < Self.linearDuplicateScanLimit {
            return pairs.contains { JSONText.sameBytes($0.key, key) }
        }
        if seen == nil {
            seen = Set(pairs.map(\.key))
        }
        if seen?.insert(key).inserted == true {
            return false
        }
        return pairs.contains { JSONText.sameBytes($0.key, key) }
    }

    private mutating func parseArray() throws(LedgerError) -> JSONValue {
        try enterContainer()
        index += 1  // '['
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            guard index < bytes.count else { throw endOfInput("',' or ']'") }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "]"):
                index += 1
                depth -= 1
                return .array(elements)
            default:
                throw unexpected("expected ',' or ']' in an array")
            }
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(LedgerError) {
        let start = index
        let length = literal.utf8CodeUnitCount
        guard bytes.count - index >= length else {
            throw fail("invalid literal (expected '\(literal)')", at: start)
        }
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: length)
        for offset in 0..<length where bytes[index + offset] != expected[offset] {
            throw fail("invalid literal (expected '\(literal)')", at: start)
        }
        index += length
    }

    // MARK: - Numbers

    private mutating func parseNumber() throws(LedgerError) -> String {
        let start = index
        var i = index
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < bytes.count, isDigit(bytes[i]) else {
            throw fail("invalid number: expected a digit", at: i)
        }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
            if i < bytes.count, isDigit(bytes[i]) {
                throw fail("invalid number: leading zeros are not allowed", at: start)
            }
        } else {
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        let integerEnd = i
        var fractionStart = i
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            fractionStart = i
            guard i < bytes.count, isDigit(bytes[i]) else {
                throw fail("invalid number: expected a digit after '.'", at: i)
            }
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        let mantissaEnd = i
        var exponent = 0
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            var negative = false
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
                negative = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            guard i < bytes.count, isDigit(bytes[i]) else {
                throw fail("invalid number: expected a digit in the exponent", at: i)
            }
            while i < bytes.count, isDigit(bytes[i]) {
                // Saturates: any exponent this large is refused below anyway.
                exponent = min(exponent * 10 + Int(bytes[i] &- UInt8(ascii: "0")), Self.exponentSaturation)
                i += 1
            }
            // PostgreSQL refuses an exponent beyond about ±1e9 even for zero
            // ("value overflows numeric format"); a zero's written-out length
            // does not grow with it, so bound the exponent itself.
            guard exponent < Self.exponentSaturation else {
                throw fail("number exponent out of range (at most \(Self.exponentSaturation - 1) in magnitude)", at: start)
            }
            if negative { exponent = -exponent }
        }
        let length = i - start
        guard length <= JSONLimits.maxNumberLength else {
            throw fail(
                "number literal of \(length) characters is longer than \(JSONLimits.maxNumberLength)",
                at: start)
        }
        let stored = storedNumberLength(
            negative: bytes[start] == UInt8(ascii: "-"),
            integer: (start + (bytes[start] == UInt8(ascii: "-") ? 1 : 0))..<integerEnd,
            fraction: fractionStart..<mantissaEnd, exponent: exponent)
        guard stored <= JSONLimits.maxStoredNumberLength else {
            throw fail(
                "number \(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self))"
                    + " has \(stored) characters"
                    + " written out in full (as PostgreSQL stores it), more than \(JSONLimits.maxStoredNumberLength)",
                at: start)
        }
        index = i
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
    }

    /// Exponents are read up to this magnitude (larger ones are clamped to it,
    /// then refused): well below PostgreSQL's own bound (about 1e9), far above
    /// any exponent a number within the length limit can have unless it is zero.
    private static let exponentSaturation = 10_000_000

    /// The length of the number as PostgreSQL's `numeric` prints it inside a
    /// `jsonb` value: written out in full, without an exponent, keeping the
    /// scale (`1e3` is `1000`, `1.50e-3` is `0.00150`, `0e-3` is `0.000`).
    /// A short literal can stand for a huge text (`1e131071` is 131,072
    /// digits), which is what this bounds.
    private func storedNumberLength(negative: Bool, integer: Range<Int>, fraction: Range<Int>, exponent: Int) -> Int {
        var leadingZeros = 0
        var significant = false
        for index in integer where !significant {
            if bytes[index] == UInt8(ascii: "0") { leadingZeros += 1 } else { significant = true }
        }
        for index in fraction where !significant {
            if bytes[index] == UInt8(ascii: "0") { leadingZeros += 1 } else { significant = true }
        }
        let pointAfter = integer.count + exponent
        let integerDigits = significant ? max(1, pointAfter - leadingZeros) : 1
        let scale = max(0, fraction.count - exponent)
        return (negative ? 1 : 0) + integerDigits + (scale > 0 ? 1 + scale : 0)
    }

    @inline(__always)
    private func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    // MARK: - Strings

    /// Parses a string starting at the opening quote. The common case, a string
    /// without escapes, is validated in place and copied once.
    private mutating func parseString() throws(LedgerError) -> String {
        let open = index
        let start = index + 1
        var i = start
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "\"") {
                index = i + 1
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") {
                return try parseEscapedString(open: open, start: start, firstEscape: i)
            }
            if byte < 0x20 {
                throw controlCharacter(byte, at: i)
            }
            if byte < 0x80 {
                i += 1
            } else {
                i = try validateUTF8Sequence(at: i)
            }
        }
        throw fail("unterminated string", at: open)
    }

    private mutating func parseEscapedString(open: Int, start: Int, firstEscape: Int) throws(LedgerError) -> String {
        departuresFromCompact += 1
        var out: [UInt8] = []
        out.reserveCapacity(firstEscape - start + 16)
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<firstEscape]))
        var i = firstEscape
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "\"") {
                index = i + 1
                return String(decoding: out, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") {
                i = try appendEscape(at: i, into: &out)
                continue
            }
            if byte < 0x20 {
                throw controlCharacter(byte, at: i)
            }
            if byte < 0x80 {
                out.append(byte)
                i += 1
            } else {
                let end = try validateUTF8Sequence(at: i)
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<end]))
                i = end
            }
        }
        throw fail("unterminated string", at: open)
    }

    /// Decodes the escape starting at the backslash at `i`, appends its UTF-8, and
    /// returns the index after it.
    private func appendEscape(at i: Int, into out: inout [UInt8]) throws(LedgerError) -> Int {
        guard i + 1 < bytes.count else { throw fail("unterminated string", at: i) }
        switch bytes[i + 1] {
        case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "/"): out.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            return try appendUnicodeEscape(at: i, into: &out)
        default:
            throw fail("invalid escape sequence", at: i)
        }
        return i + 2
    }

    private func appendUnicodeEscape(at i: Int, into out: inout [UInt8]) throws(LedgerError) -> Int {
        let high = try hex4(at: i + 2, escapeAt: i)
        var scalarValue = UInt32(high)
        var next = i + 6
        switch high {
        case 0:
            throw fail("the NUL character (\\u0000) is not allowed", at: i)
        case 0xD800...0xDBFF:
            guard next + 1 < bytes.count, bytes[next] == UInt8(ascii: "\\"), bytes[next + 1] == UInt8(ascii: "u")
            else {
                throw fail("lone high surrogate escape", at: i)
            }
            let low = try hex4(at: next + 2, escapeAt: next)
            guard (0xDC00...0xDFFF).contains(low) else {
                throw fail("lone high surrogate escape", at: i)
            }
            scalarValue = 0x10000 + ((UInt32(high) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            next += 6
        case 0xDC00...0xDFFF:
            throw fail("lone low surrogate escape", at: i)
        default:
            break
        }
        guard let scalar = Unicode.Scalar(scalarValue) else {
            throw fail("invalid unicode escape", at: i)
        }
        out.append(contentsOf: scalar.utf8)
        return next
    }

    private func hex4(at i: Int, escapeAt: Int) throws(LedgerError) -> UInt16 {
        guard i + 4 <= bytes.count else { throw fail("invalid \\u escape: expected 4 hex digits", at: escapeAt) }
        var value: UInt16 = 0
        for offset in 0..<4 {
            let byte = bytes[i + offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail("invalid \\u escape: expected 4 hex digits", at: escapeAt)
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    /// Validates one multi-byte UTF-8 sequence (RFC 3629: no overlongs, no
    /// surrogates, nothing above U+10FFFF) starting at `i`; returns the index after it.
    private func validateUTF8Sequence(at i: Int) throws(LedgerError) -> Int {
        if let end = UTF8Validation.sequenceEnd(in: bytes, at: i) { return end }
        throw fail("invalid UTF-8", at: i)
    }

    // MARK: - Whitespace and errors

    @inline(__always)
    private mutating func skipWhitespace() {
        let start = index
        defer { if index != start { departuresFromCompact += 1 } }
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                index += 1
            default:
                return
            }
        }
    }

    private func fail(_ what: String, at offset: Int) -> LedgerError {
        LedgerError(.invalidInput, "invalid JSON: \(what) at byte offset \(offset)", details: ["offset": "\(offset)"])
    }

    private func endOfInput(_ expected: String) -> LedgerError {
        fail("unexpected end of input, expected \(expected),", at: bytes.count)
    }

    private func controlCharacter(_ byte: UInt8, at offset: Int) -> LedgerError {
        if byte == 0 { return fail("the NUL character is not allowed", at: offset) }
        return fail("unescaped control character \(JSONText.hexByte(byte)) in a string", at: offset)
    }

    /// An error for the byte at `index`, describing it: a non-ASCII byte is
    /// reported as invalid UTF-8 when it does not start a valid sequence.
    private func unexpected(_ context: String) -> LedgerError {
        let byte = bytes[index]
        if byte == 0xEF, bytes.count - index >= 3, bytes[index + 1] == 0xBB, bytes[index + 2] == 0xBF {
            // Editors on some systems write one at the start of a file.
            return fail("unexpected byte order mark (U+FEFF): \(context); save the input as UTF-8 without a BOM", at: index)
        }
        if byte >= 0x80, UTF8Validation.sequenceEnd(in: bytes, at: index) == nil {
            return fail("invalid UTF-8", at: index)
        }
        if byte == 0 {
            return fail("the NUL character is not allowed", at: index)
        }
        let shown = (0x21..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : JSONText.hexByte(byte)
        return fail("unexpected \(shown): \(context)", at: index)
    }
}
