#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads NDJSON from a file descriptor one line at a time, in constant memory
/// (about `maxLineBytes + chunkBytes`, however long the input or its lines).
///
/// Guarantees:
/// - lines are numbered from 1, counting every line (blank ones included), so
///   that errors can name the line a user sees in an editor;
/// - a line is yielded without its `\n` terminator and without one `\r` before it;
/// - a last line without a trailing `\n` is yielded; an empty input yields nothing;
/// - a line longer than `maxLineBytes` is not buffered: `next()` throws an
///   `.invalidInput` error attributed to its line number, skips the rest of that
///   line, and the following call resumes with the next line;
/// - `read(2)` interrupted by a signal (`EINTR`) is retried.
///
/// The reader does not own the descriptor and never closes it.
public struct NDJSONLineReader: Sendable {
    /// One line of input.
    public struct Line: Sendable, Equatable {
        /// 1-based line number in the input.
        public var lineNumber: Int
        /// The line's bytes, without the `\n` (and `\r`) terminator.
        public var bytes: [UInt8]

        /// A line with the given number and bytes.
        public init(lineNumber: Int, bytes: [UInt8]) {
            self.lineNumber = lineNumber
            self.bytes = bytes
        }
    }

    private let fileDescriptor: Int32
    private let maxLineBytes: Int
    private let chunkBytes: Int
    private var buffer: [UInt8]
    /// Unconsumed bytes are `buffer[start..<end]`.
    private var start = 0
    private var end = 0
    /// Bytes of `buffer[start..<scanned]` are known to hold no `\n`.
    private var scanned = 0
    private var lineNumber = 0
    private var atEndOfFile = false
    /// True while discarding the rest of an oversized line.
    private var skippingLine = false

    /// A reader of `fileDescriptor` (which it does not close), refusing lines
    /// longer than `maxLineBytes` and reading `chunkBytes` at a time.
    public init(
        fileDescriptor: Int32,
        maxLineBytes: Int = NDJSONLimits.maxLineBytes,
        chunkBytes: Int = NDJSONLimits.readChunkBytes
    ) {
        precondition(maxLineBytes > 0 && chunkBytes > 0, "line and chunk limits must be positive")
        self.fileDescriptor = fileDescriptor
        self.maxLineBytes = maxLineBytes
        self.chunkBytes = chunkBytes
        // A pending partial line of up to maxLineBytes (+1 for a '\r') always
        // leaves room for one more chunk.
        self.buffer = [UInt8](repeating: 0, count: maxLineBytes + 1 + chunkBytes)
    }

    /// The next line, nil at the end of input. Throws `.invalidInput` for a line
    /// longer than the limit (with `line` set) or when the descriptor cannot be read.
    public mutating func next() throws(LedgerError) -> Line? {
        while true {
            if let newline = findNewline() {
                if skippingLine {
                    skippingLine = false
                    consume(through: newline)
                    continue
                }
                lineNumber += 1
                var contentEnd = newline
                if contentEnd > start, buffer[contentEnd - 1] == UInt8(ascii: "\r") { contentEnd -= 1 }
                if contentEnd - start > maxLineBytes {
                    consume(through: newline)
                    throw tooLong()
                }
                let line = Line(lineNumber: lineNumber, bytes: Array(buffer[start..<contentEnd]))
                consume(through: newline)
                return line
            }
            if skippingLine {
                start = 0
                end = 0
                scanned = 0
            } else if isOverlong(pending: end - start) {
                lineNumber += 1
                skippingLine = true
                start = 0
                end = 0
                scanned = 0
                throw tooLong()
            }
            if atEndOfFile {
                guard !skippingLine, start < end else {
                    skippingLine = false
                    return nil
                }
                lineNumber += 1
                var contentEnd = end
                if buffer[contentEnd - 1] == UInt8(ascii: "\r") { contentEnd -= 1 }
                let line = Line(lineNumber: lineNumber, bytes: Array(buffer[start..<contentEnd]))
                start = end
                scanned = end
                return line
            }
            try fill()
        }
    }

    /// True when a pending line without its newline yet is already too long,
    /// whatever follows (a final `\r` may still be part of a `\r\n`).
    private func isOverlong(pending: Int) -> Bool {
        if pending > maxLineBytes + 1 { return true }
        return pending == maxLineBytes + 1 && buffer[end - 1] != UInt8(ascii: "\r")
    }

    private func tooLong() -> LedgerError {
        LedgerError(
            .invalidInput, "line exceeds \(maxLineBytes) bytes", line: lineNumber,
            details: ["limit": "\(maxLineBytes)"])
    }

    private mutating func consume(through newline: Int) {
        start = newline + 1
        scanned = start
    }

    private mutating func findNewline() -> Int? {
        guard scanned < end else { return nil }
        let from = scanned
        let to = end
        let found: Int? = buffer.withUnsafeBytes { raw in
            guard let base = raw.baseAddress,
                let hit = memchr(base + from, Int32(UInt8(ascii: "\n")), to - from)
            else { return nil }
            return base.distance(to: UnsafeRawPointer(hit))
        }
        scanned = found ?? to
        return found
    }

    /// Moves the pending bytes to the front and reads one chunk after them.
    private mutating func fill() throws(LedgerError) {
        if start > 0 {
            let pending = end - start
            if pending > 0 {
                let from = start
                buffer.withUnsafeMutableBytes { raw in
                    guard let base = raw.baseAddress else { return }
                    memmove(base, base + from, pending)
                }
            }
            scanned -= start
            start = 0
            end = pending
        }
        let room = min(chunkBytes, buffer.count - end)
        precondition(room > 0, "the line buffer always has room for a chunk")
        let offset = end
        let descriptor = fileDescriptor
        while true {
            let count = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return read(descriptor, base + offset, room)
            }
            if count > 0 {
                end += count
                return
            }
            if count == 0 {
                atEndOfFile = true
                return
            }
            let code = errno
            if code == EINTR { continue }
            throw LedgerError(
                .invalidInput, "cannot read input: \(String(cString: strerror(code)))",
                details: ["errno": "\(code)"])
        }
    }
}
