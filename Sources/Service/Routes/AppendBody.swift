import Hummingbird
import Ledger

/// The events of an append request: one JSON object, a JSON array of them,
/// or NDJSON (`Content-Type: application/x-ndjson`), each with the SPEC
/// envelope. Errors name the line (NDJSON), the index (array) and the field.
struct AppendBody {
    enum Shape: Sendable { case single, array, ndjson }

    var events: [ProposedEvent] = []
    var shape: Shape
    /// NDJSON line of each event (for errors found later, at commit).
    var lines: [Int] = []

    static func parse(_ body: ByteBuffer, contentType: String?, raw: Bool) throws(APIError) -> AppendBody {
        let parser = EnvelopeParser(allowRaw: raw)
        // The media type is what precedes any parameters (`;charset=...`);
        // an empty or parameters-only header gives an empty one (415).
        let media = contentType.map(MediaTypes.of) ?? MediaTypes.json
        let bytes = Array(body.readableBytesView)
        var result: AppendBody
        switch media {
        case MediaTypes.ndjson, "application/jsonl", "application/ndjson":
            result = try ndjson(bytes, parser)
        case MediaTypes.json:
            result = try json(bytes, parser)
        default:
            throw APIError(.unsupportedMediaType, "unsupportedMediaType",
                           "Content-Type '\(contentType ?? "")' is not accepted; send application/json (one event or an array) or application/x-ndjson")
        }
        guard !result.events.isEmpty else {
            throw APIError(.badRequest, LedgerError.Code.invalidInput.rawValue, "the body holds no events")
        }
        guard result.events.count <= ServiceLimits.maxEventsPerRequest else {
            throw APIError(.contentTooLarge, "tooManyEvents",
                           "one request appends at most \(ServiceLimits.maxEventsPerRequest) events (one atomic batch); got \(result.events.count): split it",
                           fields: [("limit", .number(String(ServiceLimits.maxEventsPerRequest)))])
        }
        return result
    }

    private static func json(_ bytes: [UInt8], _ parser: EnvelopeParser) throws(APIError) -> AppendBody {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw APIError(error)
        }
        switch value {
        case .object(let envelope):
            do {
                return AppendBody(events: [try parser.parse(envelope: envelope)], shape: .single)
            } catch {
                throw APIError(error)
            }
        case .array(let elements):
            guard elements.count <= ServiceLimits.maxEventsPerRequest else {
                throw APIError(.contentTooLarge, "tooManyEvents",
                               "one request appends at most \(ServiceLimits.maxEventsPerRequest) events (one atomic batch); got \(elements.count): split it",
                               fields: [("limit", .number(String(ServiceLimits.maxEventsPerRequest)))])
            }
            var body = AppendBody(shape: .array)
            for (index, element) in elements.enumerated() {
                do throws(LedgerError) {
                    guard case .object(let envelope) = element else {
                        throw LedgerError(.invalidInput, "an event must be a JSON object, got \(element.typeName)")
                    }
                    body.events.append(try parser.parse(envelope: envelope))
                } catch {
                    var located = error
                    located.details["index"] = String(index)
                    throw APIError(located)
                }
            }
            return body
        default:
            throw APIError(.badRequest, LedgerError.Code.invalidInput.rawValue,
                           "the body must be one event (a JSON object) or a JSON array of events, got \(value.typeName)")
        }
    }

    private static func ndjson(_ bytes: [UInt8], _ parser: EnvelopeParser) throws(APIError) -> AppendBody {
        var body = AppendBody(shape: .ndjson)
        var lineNumber = 0
        var start = bytes.startIndex
        while start < bytes.endIndex {
            lineNumber += 1
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            let line = bytes[start..<end]
            start = end < bytes.endIndex ? end + 1 : end
            guard line.count <= ServiceLimits.maxLineBytes else {
                throw APIError(LedgerError(.invalidInput, "line longer than \(ServiceLimits.maxLineBytes) bytes", line: lineNumber))
            }
            let array = line
            if EnvelopeParser.isBlank(array) { continue }
            do {
                body.events.append(try parser.parse(array))
                body.lines.append(lineNumber)
            } catch {
                throw APIError(error.at(line: lineNumber))
            }
            if body.events.count > ServiceLimits.maxEventsPerRequest { break }
        }
        return body
    }

    /// A commit-time error (conflict, illegal transition) located in the
    /// request's own terms: the NDJSON line, or the array index.
    func locate(_ error: LedgerError) -> LedgerError {
        guard let index = error.details["index"].flatMap(Int.init) else { return error }
        switch shape {
        case .ndjson where index < lines.count:
            return error.at(line: lines[index])
        case .single:
            var single = error
            single.details["index"] = nil
            return single
        default:
            return error
        }
    }
}
