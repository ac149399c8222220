import Foundation

/// Buffered writing to stdout: data goes to stdout, in large writes.
final class StandardOutput {
    /// Bytes buffered before a write(2).
    static let bufferBytes = 1 << 16
    private var buffer: [UInt8] = []

    init() { buffer.reserveCapacity(Self.bufferBytes + 4096) }

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= Self.bufferBytes { flush() }
    }

    func write(bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.bufferBytes { flush() }
    }

    func flush() {
        buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Foundation.write(1, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return // stdout closed (e.g. `| head`): nothing more to say
                }
                offset += written
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    deinit { flush() }
}

/// Unbuffered writes to stderr (progress and diagnostics).
enum StandardError {
    static func write(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { raw in
            _ = Foundation.write(2, raw.baseAddress!, raw.count)
        }
    }

    static var isTerminal: Bool { isatty(2) == 1 }
}

/// Progress of long work on stderr: a redrawn line on a terminal, otherwise
/// a plain line every `plainInterval`.
struct ProgressReporter: Sendable {
    static let terminalInterval: Double = 0.25
    static let plainInterval: Double = 10
    let label: String
    let started = Date()
    private let interval: Double
    private var lastShown: Date
    private var shown = false

    init(_ label: String) {
        self.label = label
        self.interval = StandardError.isTerminal ? Self.terminalInterval : Self.plainInterval
        // Work that ends within the first interval prints nothing.
        self.lastShown = Date()
    }

    /// Shows `done` (of `total`, when known) if enough time has passed.
    mutating func update(_ done: Int, of total: Int? = nil, unit: String = "events") {
        let now = Date()
        guard now.timeIntervalSince(lastShown) >= interval else { return }
        lastShown = now
        shown = true
        StandardError.write(line(done, total, unit) + (StandardError.isTerminal ? "\r" : "\n"))
    }

    /// Clears the terminal line (call when done).
    func finish() {
        if StandardError.isTerminal && shown {
            StandardError.write(String(repeating: " ", count: 100) + "\r")
        }
    }

    private func line(_ done: Int, _ total: Int?, _ unit: String) -> String {
        let elapsed = max(Date().timeIntervalSince(started), 0.001)
        let rate = Double(done) / elapsed
        var text = "\(label): \(done)"
        if let total, total > 0 {
            text += "/\(total) \(unit) (\(Int(Double(done) * 100 / Double(total)))%)"
            if rate > 0 && done < total { text += ", ETA \(Int(Double(total - done) / rate))s" }
        } else {
            text += " \(unit)"
        }
        return text + ", \(Int(rate)) \(unit)/s"
    }
}
