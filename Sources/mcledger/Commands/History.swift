import ArgumentParser
import Foundation
import Ledger

/// `mcledger history`: events in position order, filtered, streamed.
struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print events in position order (streamed: constant memory whatever the size).")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json, ndjson, csv
    }

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Only this stream.") var stream: String?
    @Option(help: "Only streams of this category (instance, account, workflow, rtEvent, batchEvent, ...).") var category: String?
    @Option(help: "Only events whose data names this instance (data.instance or data.control).") var instance: String?
    @Option(help: "Only events of this workflow internal name.") var workflow: String?
    @Option(help: "Only events of this transactional eventId.") var event: String?
    @Option(help: "Only events of this type.") var type: String?
    @Option(help: "Only events recorded at or after TIME (RFC 3339).") var since: String?
    @Option(help: "Only events recorded at or before TIME (RFC 3339).") var until: String?
    @Option(name: .customLong("after-position"), help: "Only events with a position greater than N.") var afterPosition: Int?
    @Option(help: "At most N events.") var limit: Int?
    @Option(help: "Output format: table, json, ndjson or csv.") var format: Format = .table

    func validate() throws {
        if let limit, limit < 0 { throw ValidationError("--limit must be >= 0") }
        if let afterPosition, afterPosition < 0 { throw ValidationError("--after-position must be >= 0") }
    }

    func filter() throws(LedgerError) -> HistoryFilter {
        var filter = HistoryFilter()
        filter.stream = stream
        filter.category = category
        filter.instance = instance
        filter.workflow = workflow
        filter.event = event
        filter.type = type
        filter.since = try since.map { (text: String) throws(LedgerError) in try Timestamps.parse(text) }
        filter.until = try until.map { (text: String) throws(LedgerError) in try Timestamps.parse(text) }
        filter.afterPosition = afterPosition
        filter.limit = limit
        return filter
    }

    func run() async throws {
        try await runReportingErrors("history") {
            let filter = try filter()
            let store = EventStore(connection: try await database.connect())
            defer { Task { await store.connection.close() } }
            let format = self.format
            let writer = HistoryWriter(format: format)
            await writer.begin()
            if format == .ndjson {
                // Lines rendered from binary columns (the same bytes as RecordedEvent.json).
                try await store.readLines(filter) { lines in
                    await writer.write(lines)
                    return true
                }
            } else {
                try await store.read(filter) { page in
                    await writer.write(page)
                    return true
                }
            }
            await writer.end()
        }
    }
}

/// Writes pages of events in one of history's formats.
actor HistoryWriter {
    private let format: History.Format
    private var out = StandardOutput()
    private var first = true

    init(format: History.Format) {
        self.format = format
    }

    func begin() {
        switch format {
        case .json: out.write("[")
        case .csv: out.write("position,stream,version,eventId,type,data,metadata,recordedAt,hash\n")
        case .table: out.write(pad("POSITION", 9) + " " + pad("RECORDED_AT", 27) + " " + pad("STREAM", 40) + " " + pad("VER", 5) + " " + pad("TYPE", 26) + " DATA\n")
        case .ndjson: break
        }
    }

    func write(_ page: [RecordedEvent]) {
        for event in page {
            switch format {
            case .ndjson:
                out.write(event.json)
                out.write("\n")
            case .json:
                out.write(first ? "\n" : ",\n")
                out.write(event.json)
            case .csv:
                let fields = [String(event.position), event.stream, String(event.version), event.eventId, event.type,
                              event.data, event.metadata, event.recordedAt, Hex.encode(event.hash)]
                out.write(fields.map(csv).joined(separator: ",") + "\n")
            case .table:
                out.write(pad(String(event.position), 9) + " " + pad(event.recordedAt, 27) + " " + pad(event.stream, 40) + " "
                          + pad(String(event.version), 5) + " " + pad(event.type, 26) + " " + event.data + "\n")
            }
            first = false
        }
    }

    /// NDJSON lines as HistoryLines rendered them.
    func write(_ lines: HistoryLines) {
        lines.forEach { line in
            out.write(bytes: line)
            out.write(bytes: CollectionOfOne(UInt8(ascii: "\n")))
        }
    }

    func end() {
        if format == .json { out.write(first ? "]\n" : "\n]\n") }
        out.flush()
    }

    private func csv(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
