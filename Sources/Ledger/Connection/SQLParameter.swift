import Foundation

/// A bound query parameter: a type OID, a wire format and the bytes.
///
/// SQL text never contains values; every value travels as a parameter
/// (`$1`, `$2`, ...). Arrays travel in PostgreSQL's binary array format, which
/// needs no escaping and lets one statement carry a whole batch.
public struct SQLParameter: Sendable {
    /// How the bytes are encoded on the wire.
    public enum Format: Int32, Sendable { case text = 0, binary = 1 }

    public var oid: UInt32
    public var format: Format
    /// `nil` is SQL NULL.
    public var bytes: [UInt8]?

    public init(oid: UInt32, format: Format, bytes: [UInt8]?) {
        self.oid = oid
        self.format = format
        self.bytes = bytes
    }

    /// SQL NULL of unspecified type.
    public static let null = SQLParameter(oid: 0, format: .text, bytes: nil)

    /// A `text` value.
    public static func text(_ value: String) -> SQLParameter {
        SQLParameter(oid: PostgresOID.text, format: .text, bytes: Array(value.utf8))
    }

    /// An optional `text` value (NULL when nil).
    public static func text(_ value: String?) -> SQLParameter {
        value.map { .text($0) } ?? SQLParameter(oid: PostgresOID.text, format: .text, bytes: nil)
    }

    /// A `bigint` value.
    public static func int8(_ value: Int) -> SQLParameter {
        SQLParameter(oid: PostgresOID.int8, format: .text, bytes: Array(String(value).utf8))
    }

    /// A `jsonb` value from JSON text.
    public static func jsonb(_ json: String) -> SQLParameter {
        SQLParameter(oid: PostgresOID.jsonb, format: .text, bytes: Array(json.utf8))
    }

    /// An `xid8` value (a transaction id; NULL when nil).
    public static func xid8(_ value: TransactionID?) -> SQLParameter {
        SQLParameter(oid: PostgresOID.xid8, format: .text, bytes: value.map { Array($0.description.utf8) })
    }

    /// A `bytea` value.
    public static func bytea(_ value: [UInt8]) -> SQLParameter {
        SQLParameter(oid: PostgresOID.bytea, format: .binary, bytes: value)
    }

    /// A `timestamptz` value.
    public static func timestamptz(_ date: Date) -> SQLParameter {
        SQLParameter(oid: PostgresOID.timestamptz, format: .text, bytes: Array(Timestamps.rfc3339(date).utf8))
    }

    /// A `text[]` value.
    public static func textArray(_ values: [String?]) -> SQLParameter {
        var encoder = BinaryArrayEncoder.text(count: values.count, textBytes: values.reduce(0) { $0 + ($1?.utf8.count ?? 0) })
        for value in values {
            if let value { encoder.appendText(value) } else { encoder.append(nil) }
        }
        return encoder.parameter
    }

    /// A `jsonb[]` value from JSON texts.
    public static func jsonbArray(_ values: [String]) -> SQLParameter {
        var encoder = BinaryArrayEncoder.jsonb(count: values.count, textBytes: values.reduce(0) { $0 + $1.utf8.count })
        for value in values { encoder.appendJSONB(value) }
        return encoder.parameter
    }

    /// A `uuid[]` value.
    public static func uuidArray(_ values: [UUID]) -> SQLParameter {
        var encoder = BinaryArrayEncoder.uuid(count: values.count)
        for value in values { encoder.appendUUID(value) }
        return encoder.parameter
    }

    /// A `bytea[]` value.
    public static func byteaArray(_ values: [[UInt8]]) -> SQLParameter {
        var encoder = BinaryArrayEncoder.bytea(count: values.count, bytes: values.reduce(0) { $0 + $1.count })
        for value in values { encoder.append(value) }
        return encoder.parameter
    }

    /// An `int4[]` value (NULL elements allowed).
    public static func int4Array(_ values: [Int32?]) -> SQLParameter {
        var encoder = BinaryArrayEncoder.int4(count: values.count)
        for value in values { encoder.appendInt32(value) }
        return encoder.parameter
    }
}

/// Type OIDs of the built-in types mcledger binds (stable across PostgreSQL versions).
public enum PostgresOID {
    public static let bytea: UInt32 = 17
    public static let int8: UInt32 = 20
    public static let int4: UInt32 = 23
    public static let text: UInt32 = 25
    public static let byteaArray: UInt32 = 1001
    public static let int4Array: UInt32 = 1007
    public static let textArray: UInt32 = 1009
    public static let timestamptz: UInt32 = 1184
    public static let uuid: UInt32 = 2950
    public static let uuidArray: UInt32 = 2951
    public static let jsonb: UInt32 = 3802
    public static let jsonbArray: UInt32 = 3807
    public static let xid8: UInt32 = 5069
}

/// Writes a one-dimensional array in PostgreSQL's binary `array_send` format.
struct BinaryArrayEncoder {
    private(set) var bytes: [UInt8] = []
    private let arrayOID: UInt32
    private var hasNullOffset = 4

    /// An encoder for `count` elements of type `elementOID` (the array's type
    /// is `arrayOID`), `payload` bytes in all besides their length words, so
    /// that the buffer is allocated once.
    init(of elementOID: UInt32, arrayOID: UInt32, count: Int, payload: Int) {
        self.arrayOID = arrayOID
        bytes.reserveCapacity(20 + count * 4 + payload)
        appendBE(Int32(1))            // ndim
        appendBE(Int32(0))            // has nulls (patched below)
        appendBE(elementOID)          // element type
        appendBE(Int32(count))        // dimension length
        appendBE(Int32(1))            // lower bound
    }

    mutating func append(_ element: [UInt8]?) {
        guard let element else { return appendNull() }
        appendBE(Int32(element.count))
        bytes.append(contentsOf: element)
    }

    /// A `text[]` of `count` elements, `textBytes` of UTF-8 in all.
    static func text(count: Int, textBytes: Int) -> Self {
        Self(of: PostgresOID.text, arrayOID: PostgresOID.textArray, count: count, payload: textBytes)
    }

    /// A `jsonb[]` of `count` elements, `textBytes` of JSON text in all.
    static func jsonb(count: Int, textBytes: Int) -> Self {
        Self(of: PostgresOID.jsonb, arrayOID: PostgresOID.jsonbArray, count: count, payload: textBytes + count)
    }

    /// A `uuid[]` of `count` elements.
    static func uuid(count: Int) -> Self {
        Self(of: PostgresOID.uuid, arrayOID: PostgresOID.uuidArray, count: count, payload: 16 * count)
    }

    /// An `int4[]` of `count` elements.
    static func int4(count: Int) -> Self {
        Self(of: PostgresOID.int4, arrayOID: PostgresOID.int4Array, count: count, payload: 4 * count)
    }

    /// A `bytea[]` of `count` elements, `bytes` in all.
    static func bytea(count: Int, bytes: Int) -> Self {
        Self(of: PostgresOID.bytea, arrayOID: PostgresOID.byteaArray, count: count, payload: bytes)
    }

    /// The array as a binary parameter of the array type of its elements.
    var parameter: SQLParameter {
        SQLParameter(oid: arrayOID, format: .binary, bytes: bytes)
    }

    mutating func appendText(_ text: String) {
        let utf8 = text.utf8
        appendBE(Int32(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    mutating func appendJSONB(_ json: String) {
        // jsonb's binary input is a version byte (1) followed by the JSON text.
        let utf8 = json.utf8
        appendBE(Int32(utf8.count + 1))
        bytes.append(1)
        bytes.append(contentsOf: utf8)
    }

    mutating func appendUUID(_ uuid: UUID) {
        appendBE(Int32(16))
        withUnsafeBytes(of: uuid.uuid) { bytes.append(contentsOf: $0) }
    }

    mutating func appendInt32(_ value: Int32?) {
        guard let value else { return appendNull() }
        appendBE(Int32(4))
        appendBE(value)
    }

    private mutating func appendNull() {
        appendBE(Int32(-1))
        bytes[hasNullOffset + 3] = 1
    }

    private mutating func appendBE<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
