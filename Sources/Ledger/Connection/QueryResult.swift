import CLibPQ

/// The rows of one statement, copied out of libpq into one contiguous buffer.
///
/// Values are in PostgreSQL's text format (binary from `executeBinary`). The `PGresult` is freed as soon as
/// the copy is made, so a `QueryResult` is an ordinary Sendable value.
public struct QueryResult: Sendable {
    /// Column names in select-list order.
    public let columns: [String]
    /// Number of rows.
    public let count: Int
    /// Rows affected, for INSERT/UPDATE/DELETE (`PQcmdTuples`), else 0.
    public let affected: Int
    private let storage: [UInt8]
    // Per cell: start offset into `storage`, or -1 for NULL; row-major.
    private let starts: [Int32]
    private let lengths: [Int32]

    init(_ result: OpaquePointer) {
        let rows = Int(PQntuples(result))
        let cols = Int(PQnfields(result))
        var names: [String] = []
        names.reserveCapacity(cols)
        for c in 0..<cols { names.append(String(cString: PQfname(result, Int32(c)))) }
        var total = 0
        for r in 0..<rows { for c in 0..<cols { total += Int(PQgetlength(result, Int32(r), Int32(c))) } }
        var storage = [UInt8]()
        storage.reserveCapacity(total)
        var starts = [Int32](repeating: -1, count: rows * cols)
        var lengths = [Int32](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            for c in 0..<cols where PQgetisnull(result, Int32(r), Int32(c)) == 0 {
                let length = Int(PQgetlength(result, Int32(r), Int32(c)))
                let cell = r * cols + c
                starts[cell] = Int32(storage.count)
                lengths[cell] = Int32(length)
                if let value = PQgetvalue(result, Int32(r), Int32(c)) {
                    value.withMemoryRebound(to: UInt8.self, capacity: length) {
                        storage.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
                    }
                }
            }
        }
        self.columns = names
        self.count = rows
        self.affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        self.storage = storage
        self.starts = starts
        self.lengths = lengths
    }

    /// True when the cell is SQL NULL (or the result has no such cell).
    public func isNull(_ row: Int, _ column: Int) -> Bool {
        guard row >= 0, row < count, column >= 0, column < columns.count else { return true }
        return starts[row * columns.count + column] < 0
    }

    /// The cell's text, or nil for NULL.
    public func string(_ row: Int, _ column: Int) -> String? {
        withBytes(row, column) { String(decoding: $0, as: UTF8.self) }
    }

    /// The cell as an integer, or nil for NULL or a non-integer.
    public func int(_ row: Int, _ column: Int) -> Int? {
        string(row, column).flatMap { Int($0) }
    }

    /// The cell as a boolean (`t`/`f`), or nil for NULL.
    public func bool(_ row: Int, _ column: Int) -> Bool? {
        withBytes(row, column) { $0.first == UInt8(ascii: "t") }
    }

    /// A `bytea` cell in text format (`\x` hex) decoded to bytes.
    public func bytea(_ row: Int, _ column: Int) -> [UInt8]? {
        withBytes(row, column) { Hex.decodeByteaText($0) } ?? nil
    }

    /// Calls `body` with the raw text bytes of the cell, or returns nil for
    /// NULL and for a cell the result does not have (e.g. row 0 of no rows:
    /// `execute(...).int(0, 0) ?? 0` is safe when a query finds nothing).
    public func withBytes<R>(_ row: Int, _ column: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        guard row >= 0, row < count, column >= 0, column < columns.count else { return nil }
        let cell = row * columns.count + column
        let start = Int(starts[cell])
        guard start >= 0 else { return nil }
        return storage.withUnsafeBufferPointer { buffer in
            body(UnsafeBufferPointer(rebasing: buffer[start..<(start + Int(lengths[cell]))]))
        }
    }
}

/// Lowercase hexadecimal, as the ledger prints hashes.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// `bytes` as lowercase hex.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Hex text (either case, even length) to bytes; nil when malformed.
    public static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(text.count / 2)
        var high: UInt8?
        for char in text {
            guard let nibble = nibble(char) else { return nil }
            if let h = high {
                out.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return out
    }

    /// Hex text of a String; nil when malformed.
    public static func decode(_ text: String) -> [UInt8]? { decode(Array(text.utf8)) }

    static func decodeByteaText(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x") else { return nil }
        return decode(text[2...])
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
