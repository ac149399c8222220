/// One page of history lines: each event's ``RecordedEvent/json``, byte for
/// byte, rendered here from the columns in PostgreSQL's binary format.
///
/// Why binary: rendering each line in SQL (`||` of the columns' text) made
/// the backend the bottleneck of `history --format ndjson`, well behind
/// `COPY ... TO STDOUT` of the same rows; in binary the backend only prints
/// the two jsonb columns (as COPY does) and the rest of the work runs on
/// the client's core, beside the backend.
///
/// The rendering is the SQL one's, field by field: `to_json(text)` escapes of
/// stream and type (the escapes of ``JSONValue/quoted(_:)``), `data::text` and
/// `metadata::text` verbatim (jsonb's binary form is a version byte and that
/// text), the lowercase hyphenated event id, `to_char(recorded_at AT TIME ZONE
/// 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` and the hash in lowercase hex.
public struct HistoryLines: Sendable {
    private let result: QueryResult

    /// The select list, in ``Column`` order; fetch it with binary results.
    static let columns = "position, stream, version, event_id, type, data, metadata, recorded_at, hash"

    private enum Column {
        static let position = 0, stream = 1, version = 2, eventId = 3, type = 4
        static let data = 5, metadata = 6, recordedAt = 7, hash = 8
        static let count = 9
    }

    /// Checks that every cell has the binary form the rendering reads (a
    /// server that sent anything else gets an error, never a garbled line).
    init(binary result: QueryResult) throws(LedgerError) {
        guard result.columns.count == Column.count else {
            throw LedgerError(.internal, "history lines: expected \(Column.count) columns, got \(result.columns.count)")
        }
        let fixed = [(Column.position, 8, "position"), (Column.version, 4, "version"),
                     (Column.eventId, 16, "event_id"), (Column.recordedAt, 8, "recorded_at")]
        let jsonb = [Column.data, Column.metadata]
        for row in 0..<result.count {
            for column in 0..<Column.count where result.isNull(row, column) {
                throw LedgerError(.internal, "history lines: column \(result.columns[column]) is NULL in row \(row)")
            }
            for (column, length, name) in fixed where result.withBytes(row, column, { $0.count }) != length {
                throw LedgerError(.internal, "history lines: \(name) is not \(length) bytes in binary form (row \(row))")
            }
            for column in jsonb where result.withBytes(row, column, { $0.first }) != Self.jsonbVersion {
                throw LedgerError(.internal, "history lines: \(result.columns[column]) is not jsonb binary version \(Self.jsonbVersion) (row \(row))")
            }
        }
        self.result = result
    }

    /// jsonb's binary format version: the byte before its text.
    private static let jsonbVersion: UInt8 = 1

    /// Lines in the page.
    public var count: Int { result.count }

    /// The position of the page's last event (nil for an empty page).
    public var lastPosition: Int? {
        result.withBytes(result.count - 1, Column.position) { Int(Self.bigEndian($0)) }
    }

    /// Calls `body` with each line's bytes (no newline), in position order.
    /// The bytes are valid only during the call.
    public func forEach(_ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var capacity = 1_024
        var buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        for row in 0..<result.count {
            let length = lineLength(row)
            if length > capacity {
                buffer.deallocate()
                capacity = max(length, capacity * 2)
                buffer = .allocate(capacity: capacity)
            }
            var at = 0
            write(row, into: buffer, at: &at)
            assert(at == length, "HistoryLines length and write disagree")
            body(UnsafeBufferPointer(rebasing: buffer[0..<at]))
        }
    }

    // MARK: - One line

    private static let keys: (position: StaticString, stream: StaticString, version: StaticString, eventId: StaticString,
                              type: StaticString, data: StaticString, metadata: StaticString, recordedAt: StaticString,
                              hash: StaticString, end: StaticString) =
        ("{\"position\":", ",\"stream\":", ",\"version\":", ",\"eventId\":\"", "\",\"type\":", ",\"data\":",
         ",\"metadata\":", ",\"recordedAt\":\"", "\",\"hash\":\"", "\"}")

    private static let keysLength: Int = {
        let k = keys
        return [k.position, k.stream, k.version, k.eventId, k.type, k.data, k.metadata, k.recordedAt, k.hash, k.end]
            .reduce(0) { $0 + $1.utf8CodeUnitCount }
    }()

    /// The exact length of row `row`'s line.
    private func lineLength(_ row: Int) -> Int {
        var length = Self.keysLength
        length += cell(row, Column.position) { Self.decimalLength(Self.bigEndian($0)) }
        length += cell(row, Column.stream) { JSONWriter.escapedLength(ofUTF8: $0) }
        length += cell(row, Column.version) { Self.decimalLength(Int64(Int32(truncatingIfNeeded: Self.bigEndian($0)))) }
        length += 36
        length += cell(row, Column.type) { JSONWriter.escapedLength(ofUTF8: $0) }
        length += cell(row, Column.data) { $0.count - 1 }
        length += cell(row, Column.metadata) { $0.count - 1 }
        length += cell(row, Column.recordedAt) { CanonicalTime(microseconds: Self.bigEndian($0)).length }
        length += cell(row, Column.hash) { 2 * $0.count }
        return length
    }

    private func write(_ row: Int, into out: UnsafeMutableBufferPointer<UInt8>, at: inout Int) {
        let k = Self.keys
        Self.write(k.position, into: out, at: &at)
        cell(row, Column.position) { Self.writeDecimal(Self.bigEndian($0), into: out, at: &at) }
        Self.write(k.stream, into: out, at: &at)
        cell(row, Column.stream) { JSONWriter.writeEscaped(utf8: $0, into: out, at: &at) }
        Self.write(k.version, into: out, at: &at)
        cell(row, Column.version) { Self.writeDecimal(Int64(Int32(truncatingIfNeeded: Self.bigEndian($0))), into: out, at: &at) }
        Self.write(k.eventId, into: out, at: &at)
        cell(row, Column.eventId) { Self.writeUUID($0, into: out, at: &at) }
        Self.write(k.type, into: out, at: &at)
        cell(row, Column.type) { JSONWriter.writeEscaped(utf8: $0, into: out, at: &at) }
        Self.write(k.data, into: out, at: &at)
        cell(row, Column.data) { Self.write(UnsafeBufferPointer(rebasing: $0.dropFirst()), into: out, at: &at) }
        Self.write(k.metadata, into: out, at: &at)
        cell(row, Column.metadata) { Self.write(UnsafeBufferPointer(rebasing: $0.dropFirst()), into: out, at: &at) }
        Self.write(k.recordedAt, into: out, at: &at)
        cell(row, Column.recordedAt) { CanonicalTime(microseconds: Self.bigEndian($0)).write(into: out, at: &at) }
        Self.write(k.hash, into: out, at: &at)
        cell(row, Column.hash) { Self.writeHex($0, into: out, at: &at) }
        Self.write(k.end, into: out, at: &at)
    }

    /// The cell's bytes (every cell exists and is non-NULL: checked at init).
    @inline(__always)
    private func cell<R>(_ row: Int, _ column: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        result.withBytes(row, column, body)!
    }

    // MARK: - Binary values and their text

    /// A big-endian integer of up to 8 bytes.
    @inline(__always)
    static func bigEndian(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64 {
        var value: UInt64 = 0
        for byte in bytes { value = value << 8 | UInt64(byte) }
        return Int64(bitPattern: value)
    }

    static func decimalLength(_ value: Int64) -> Int {
        digitCount(value.magnitude) + (value < 0 ? 1 : 0)
    }

    static func writeDecimal(_ value: Int64, into out: UnsafeMutableBufferPointer<UInt8>, at: inout Int) {
        if value < 0 {
            out[at] = UInt8(ascii: "-")
            at += 1
        }
        writeDigits(value.magnitude, count: digitCount(value.magnitude), into: out, at: &at)
    }

    static func digitCount(_ value: UInt64) -> Int {
        var rest = value
        var digits = 1
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        return digits
    }

    /// The last `count` decimal digits of `value`, zero-padded.
    static func writeDigits(_ value: UInt64, count: Int, into out: UnsafeMutableBufferPointer<UInt8>, at: inout Int) {
        var rest = value
        var index = at + count
        while index > at {
            index -= 1
            out[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        at += count
    }

    static func writeHex(_ bytes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>, at: inout Int) {
        for byte in bytes {
            out[at] = JSONText.lowerHexDigit(byte >> 4)
            out[at + 1] = JSONText.lowerHexDigit(byte & 0xF)
            at += 2
        }
    }

    /// The byte ranges of a uuid's five dash-separated groups.
    static let uuidGroups: [Range<Int>] = [0..<4, 4..<6, 6..<8, 8..<10, 10..<16]

    /// 8-4-4-4-12 lowercase hex, as `uuid::text` prints.
    static func writeUUID(_ bytes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>, at: inout Int) {
        for group in uuidGroups {
            if group.lowerBound > 0 {
                out[at] = UInt8(ascii: "-")
                at += 1
            }
            writeHex(UnsafeBufferPointer(rebasing: bytes[group]), into: out, at: &at)
        }
    }

    @inline(__always)
    static func write(_ literal: StaticString, into out: UnsafeMutableBufferPointer<UInt8>, at: inout Int) {
        write(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount), into: out, at: &at)
    }

    @inline(__always)
    static func write(_ bytes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>, at: inout Int) {
        guard let source = bytes.baseAddress, let target = out.baseAddress, !bytes.isEmpty else { return }
        (target + at).initialize(from: source, count: bytes.count)
        at += bytes.count
    }
}
