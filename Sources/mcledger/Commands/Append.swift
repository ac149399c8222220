import ArgumentParser
import Foundation
import Ledger

/// `mcledger append [FILE|-]`: appends NDJSON events in atomic batches.
struct Append: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Append NDJSON events (one per line) from FILE or stdin.",
        discussion: """
            Events are appended in atomic batches of \(AppendLimits.bulkBatchEvents) lines (--batch-size). On the first \
            rejected line, the batch holding it is not appended, nothing after it is read, and the error names \
            the line, the reason and how many lines before it were committed. Prints a JSON summary: \
            appended, duplicates, firstPosition, lastPosition, and the batches' transactions: how many \
            committed, and the p50, p99 and longest time (ms) from a batch being sent to its answer.

            From the second batch on, each batch is sent on a second connection while the one before it \
            commits; the database appends it only after that one committed, so batches are stored in input \
            order and none commits after one that did not.

            If the connection to PostgreSQL is lost, the command exits 69 and says whether the last batch \
            committed: a batch whose COMMIT was in flight is checked on a new connection (for up to \
            \(ResolveLimits.timeout)); only if the database stays unreachable is its outcome reported unknown. \
            Re-running the same input then finishes the job without duplicates for lines that carry an \
            eventId (repeats are acknowledged, not appended again).
            """)

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "NDJSON file, or - for stdin (the default).")
    var file: String = "-"

    @Flag(help: "Accept events of unknown types that name an explicit stream (no domain validation).")
    var raw = false

    @Option(help: "Events per atomic batch (1...\(AppendLimits.maxTransactionEvents)).")
    var batchSize: Int = AppendLimits.bulkBatchEvents

    func validate() throws {
        guard (1...AppendLimits.maxTransactionEvents).contains(batchSize) else {
            throw ValidationError("--batch-size must be between 1 and \(AppendLimits.maxTransactionEvents)")
        }
    }

    func run() async throws {
        var summary = AppendSummary()
        do throws(LedgerError) {
            try await appendAll(&summary)
            let out = StandardOutput()
            out.write(summary.json(error: nil) + "\n")
        } catch {
            let out = StandardOutput()
            out.write(summary.json(error: error) + "\n")
            out.flush()
            let committed = "\(summary.committedLines) line(s) before it were committed (\(summary.appended) appended, \(summary.duplicates) already present)"
            var described = error
            described.message += "; \(committed)"
            throw described.report(command: "append")
        }
    }

    private func appendAll(_ summary: inout AppendSummary) async throws(LedgerError) {
        let descriptor = try openInput()
        defer { if descriptor != 0 { close(descriptor) } }
        // A batch whose COMMIT is lost with the connection is resolved on a
        // new connection before anything is reported (CommitResolver).
        let (connection, conninfo) = try await database.connectReturningConninfo()
        let store = EventStore(connection: connection, resolver: CommitResolver(conninfo: conninfo), heads: StreamHeadCache())
        defer { Task { await store.connection.close() } }
        var reader = NDJSONLineReader(fileDescriptor: descriptor)
        let parser = EnvelopeParser(allowRaw: raw)
        var progress = ProgressReporter("append")
        // Batch N+1 goes out on a second connection while N commits (opened
        // once a second batch is ready; PipelinedAppender). Same conninfo, and
        // the schema is as the first connection left it (migrated if embedded).
        var pipeline = PipelinedAppender(store: store) { () async throws(LedgerError) -> EventStore in
            EventStore(connection: try await PostgresConnection.connect(conninfo), resolver: CommitResolver(conninfo: conninfo), heads: store.heads)
        }
        defer { let opened = pipeline; Task { await opened.close() } }
        // Read once: the option's wrapper costs a lookup at every access.
        let limit = batchSize
        var done = false
        while !done {
            var batch: [ProposedEvent] = []
            var lines: [Int] = []
            var lastLine = summary.committedLines
            var parseError: LedgerError?
            batch.reserveCapacity(limit)
            while batch.count < limit {
                let line: NDJSONLineReader.Line
                do throws(LedgerError) {
                    guard let next = try reader.next() else {
                        done = true
                        break
                    }
                    line = next
                } catch {
                    parseError = error.line == nil ? error.at(line: lastLine + 1) : error
                    break
                }
                lastLine = line.lineNumber
                if EnvelopeParser.isBlank(line.bytes) { continue }
                do throws(LedgerError) {
                    batch.append(try parser.parse(line.bytes))
                    lines.append(line.lineNumber)
                } catch {
                    parseError = error.at(line: line.lineNumber)
                    break
                }
            }
            if let parseError {
                // The batch holding the bad line is not appended; the one in flight is.
                try await pipeline.drain(into: &summary)
                throw parseError
            }
            try await pipeline.submit(batch, lines: lines, lastLine: lastLine, into: &summary)
            progress.update(summary.appended + summary.duplicates)
        }
        try await pipeline.drain(into: &summary)
        progress.finish()
    }

    private func openInput() throws(LedgerError) -> Int32 {
        if file == "-" { return 0 }
        let descriptor = open(file, O_RDONLY)
        guard descriptor >= 0 else {
            throw LedgerError(.usage, "cannot open '\(file)': \(String(cString: strerror(errno)))")
        }
        return descriptor
    }
}

/// The running totals `append` prints as JSON.
struct AppendSummary {
    var appended = 0
    var duplicates = 0
    var firstPosition: Int?
    var lastPosition: Int?
    /// Input lines (blank ones included) whose batches are committed.
    var committedLines = 0
    /// Each committed batch's time from being sent to being answered, in seconds.
    var transactionSeconds: [Double] = []

    /// Adds a committed batch's outcome, which took `seconds`.
    mutating func add(_ outcome: AppendOutcome, seconds: Double) {
        transactionSeconds.append(seconds)
        appended += outcome.appended
        duplicates += outcome.duplicates
        if firstPosition == nil { firstPosition = outcome.firstPosition }
        lastPosition = outcome.lastPosition ?? lastPosition
    }

    func json(error: LedgerError?) -> String {
        func number(_ value: Int?) -> String { value.map(String.init) ?? "null" }
        var text = "{\"appended\":\(appended),\"duplicates\":\(duplicates),\"firstPosition\":\(number(firstPosition)),\"lastPosition\":\(number(lastPosition))"
        // How long a batch's transaction took, from being sent to being answered.
        text += ",\"transactions\":\(transactionSeconds.count)"
        if !transactionSeconds.isEmpty {
            let (p50, p99) = Quantiles.p50p99(transactionSeconds)
            text += String(format: ",\"transactionMs\":{\"p50\":%.2f,\"p99\":%.2f,\"max\":%.2f}", p50 * 1000, p99 * 1000, (transactionSeconds.max() ?? 0) * 1000)
        }
        if let error {
            text += ",\"committedLines\":\(committedLines),\"error\":{\"code\":\(JSONValue.quoted(error.code.rawValue)),\"line\":\(number(error.line)),\"message\":\(JSONValue.quoted(error.message))"
            if let commit = error.details["commit"] { text += ",\"commit\":\(JSONValue.quoted(commit))" }
            text += "}"
        }
        return text + "}"
    }
}
