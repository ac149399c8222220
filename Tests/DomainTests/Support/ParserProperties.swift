#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
// The libFuzzer harness (scripts/fuzz.sh) compiles this file together with the
// Ledger sources in one module, where there is no `Ledger` module to import.
#if canImport(Ledger)
import Ledger
#endif

/// The properties the parser and the domain validation must hold on any input,
/// checked by the coverage-guided fuzzer (Fuzz/FuzzLedger.swift) and by the
/// seeded random-input test (`ParserFuzzRegressionTests`), so both check the
/// same thing.
///
/// `check(_:)` returns the properties that did not hold (empty when all held):
/// - **JSON**: a document is either parsed, and then serialising it and parsing
///   the result gives the same value and the same text again, or refused with an
///   `.invalidInput` error whose `offset` lies inside the input. An accepted
///   document is valid UTF-8 and holds no NUL byte.
/// - **NDJSON**: the line reader yields exactly the lines of a reference split
///   (numbered from 1, one `\r` before `\n` dropped), and refuses each line
///   longer than its limit with an `.invalidInput` error naming that line.
/// - **Envelope**: each line is either an event or an `.invalidInput` error; an
///   accepted event written out as an envelope again parses to the same event; a
///   domain event's data decodes to the same `DomainEvent`; whatever is accepted
///   without raw mode is accepted with it.
/// - **Stream state**: applying the accepted domain events in order either moves
///   a stream's state or is refused as `.illegalTransition`; the state reached
///   equals the state reconstructed from the last event alone.
enum ParserProperties {
    /// Inputs longer than this skip the NDJSON reader check (it writes the input
    /// into a pipe before reading it back, and a pipe holds 64 KiB).
    static let maxReaderInputBytes = 60_000
    /// The line limit the reader is checked with: small, so that fuzzed inputs reach it.
    static let readerLineLimit = 48

    static func check(_ bytes: [UInt8]) -> [String] {
        var failures: [String] = []
        checkDocument(bytes, &failures)
        let lines = referenceLines(bytes)
        if bytes.count <= maxReaderInputBytes {
            checkReader(bytes, expected: lines, &failures)
        }
        checkEnvelopes(lines, &failures)
        return failures
    }

    // MARK: - JSON

    static func checkDocument(_ bytes: [UInt8], _ failures: inout [String]) {
        do {
            let value = try JSONValue.parse(bytes)
            if String(validating: bytes, as: UTF8.self) == nil {
                failures.append("accepted a document that is not valid UTF-8")
            }
            if bytes.contains(0) {
                failures.append("accepted a document holding a NUL byte")
            }
            let text = value.serialized()
            do {
                let again = try JSONValue.parse(text)
                if again != value { failures.append("serialise-then-parse changed the value: \(text)") }
                if again.serialized() != text { failures.append("serialising twice gave different text: \(text)") }
            } catch {
                failures.append("the serialisation of an accepted document was refused: \(error) in \(text)")
            }
        } catch {
            checkRefusal(error, inputBytes: bytes.count, &failures)
        }
    }

    static func checkRefusal(_ error: LedgerError, inputBytes: Int, _ failures: inout [String]) {
        if error.code != .invalidInput {
            failures.append("a refused document gave \(error.code), not invalidInput: \(error)")
        }
        guard let offset = error.details["offset"].flatMap({ Int($0) }), (0...inputBytes).contains(offset) else {
            failures.append("a refused document names no offset inside the input: \(error)")
            return
        }
    }

    // MARK: - NDJSON

    /// A line as the reader must yield it, or the line number it must refuse.
    enum ExpectedLine: Equatable {
        case line(number: Int, bytes: [UInt8])
        case tooLong(number: Int)
    }

    /// The lines of `bytes` by the NDJSON rules, independently of the reader.
    static func referenceLines(_ bytes: [UInt8]) -> [(number: Int, bytes: [UInt8])] {
        var pieces = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
        if bytes.last == UInt8(ascii: "\n") || bytes.isEmpty { pieces.removeLast() }
        return pieces.enumerated().map { index, piece in
            var line = piece
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            return (number: index + 1, bytes: line)
        }
    }

    static func checkReader(_ bytes: [UInt8], expected: [(number: Int, bytes: [UInt8])], _ failures: inout [String]) {
        let wanted: [ExpectedLine] = expected.map {
            $0.bytes.count > readerLineLimit ? .tooLong(number: $0.number) : .line(number: $0.number, bytes: $0.bytes)
        }
        // A chunk size derived from the input varies how lines straddle reads.
        let chunk = 1 + Int(bytes.first ?? 0) % 61
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else {
            failures.append("pipe() failed: errno \(errno)")
            return
        }
        defer { close(ends[0]) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(ends[1], $0.baseAddress! + written, bytes.count - written) }
            if count <= 0 { break }
            written += count
        }
        close(ends[1])
        var reader = NDJSONLineReader(fileDescriptor: ends[0], maxLineBytes: readerLineLimit, chunkBytes: chunk)
        var got: [ExpectedLine] = []
        // Each call either yields a line, refuses one, or ends: bound the calls.
        for _ in 0...(wanted.count + 1) {
            do {
                guard let line = try reader.next() else { break }
                got.append(.line(number: line.lineNumber, bytes: line.bytes))
            } catch {
                guard error.code == .invalidInput, let number = error.line else {
                    failures.append("the reader refused a line with \(error.code) and no line number: \(error)")
                    return
                }
                got.append(.tooLong(number: number))
            }
        }
        if got != wanted {
            failures.append("the reader (chunk \(chunk)) yielded \(got), the reference split \(wanted)")
        }
    }

    // MARK: - Envelopes and stream state

    static func checkEnvelopes(_ lines: [(number: Int, bytes: [UInt8])], _ failures: inout [String]) {
        var states: [String: StreamState] = [:]
        for (number, bytes) in lines where !EnvelopeParser.isBlank(bytes) {
            let strict: ProposedEvent?
            do {
                strict = try EnvelopeParser().parse(bytes)
            } catch {
                strict = nil
                if error.code != .invalidInput {
                    failures.append("line \(number): refused with \(error.code), not invalidInput: \(error)")
                }
            }
            let raw: ProposedEvent?
            do {
                raw = try EnvelopeParser(allowRaw: true).parse(bytes)
            } catch {
                raw = nil
                if error.code != .invalidInput {
                    failures.append("line \(number): refused in raw mode with \(error.code): \(error)")
                }
            }
            if let strict {
                if raw == nil { failures.append("line \(number): accepted, but refused in raw mode") }
                checkRoundTrip(strict, line: number, &failures)
                apply(strict, to: &states, line: number, &failures)
            } else if let raw {
                checkRoundTrip(raw, line: number, &failures)
            }
        }
    }

    /// An accepted event, written out as an envelope, parses to the same event.
    static func checkRoundTrip(_ event: ProposedEvent, line: Int, _ failures: inout [String]) {
        var members = [
            "\"type\":" + JSONValue.string(event.type).serialized(),
            "\"data\":" + event.data,
            "\"eventId\":\"" + event.eventIdString + "\"",
            "\"metadata\":" + event.metadata,
            "\"stream\":" + JSONValue.string(event.stream).serialized(),
        ]
        if let expected = event.expectedVersion { members.append("\"expectedVersion\":\(expected)") }
        let envelope = "{" + members.joined(separator: ",") + "}"
        do {
            let again = try EnvelopeParser(allowRaw: event.domain == nil).parse(envelope)
            var same = event
            same.eventIdWasGiven = true
            if again != same {
                failures.append("line \(line): the re-serialised event parses differently: \(envelope)")
            }
            if let domain = event.domain {
                let data = try JSONValue.parse(event.data)
                guard case .object(let object) = data else {
                    failures.append("line \(line): an event's data is not an object: \(event.data)")
                    return
                }
                if try DomainEvent.decode(type: event.type, data: object) != domain {
                    failures.append("line \(line): the stored data decodes to another domain event")
                }
            }
        } catch {
            failures.append("line \(line): the re-serialised event was refused: \(error) in \(envelope)")
        }
    }

    /// Applies an accepted domain event to its stream's state, as an append would.
    static func apply(_ event: ProposedEvent, to states: inout [String: StreamState], line: Int, _ failures: inout [String]) {
        guard let domain = event.domain else { return }
        let current = states[event.stream] ?? .absent
        do {
            let next = try current.applying(domain, stream: event.stream)
            let data = (try? JSONValue.parse(event.data))?.objectValue
            let reconstructed = StreamState.reconstruct(lastType: event.type, lastData: data)
            if reconstructed != next {
                failures.append("line \(line): \(event.type) leads to \(next.name), but reconstructs as \(reconstructed.name)")
            }
            states[event.stream] = next
        } catch {
            if error.code != .illegalTransition {
                failures.append("line \(line): a transition was refused with \(error.code): \(error)")
            }
            if error.details["stream"] != event.stream {
                failures.append("line \(line): a refused transition does not name its stream: \(error)")
            }
        }
    }
}
