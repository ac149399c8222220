import Foundation
import Ledger

extension BenchRun {
    /// `mcledger append FILE` of the first `events` scenario lines (a child
    /// process, as a user runs it) vs psql `COPY ... FROM STDIN` of the same
    /// rows into the plain table.
    func bulkAppend(events: Int, into table: inout BenchTable) async throws(LedgerError) {
        let input = file("append.ndjson"), rows = file("append.copy")
        defer {
            if !keepInputs {
                unlink(input)
                unlink(rows)
            }
        }
        try writeLines(events, to: input)
        let first = ledgerSize
        try await checkpoint()
        StandardError.write("bench: mcledger append of \(BenchFormat.grouped(events)) events\n")
        let append = try await ChildProcess.run([mcledger, "append", input], output: file("append.out"), errors: file("append.err"),
                                                environment: ["MCLEDGER_DATABASE_URL": conninfo])
        ledgerSize += events
        let stored = try await count("SELECT count(*) FROM mcledger.events WHERE position > \(first)")
        guard stored == events else {
            throw LedgerError(.internal, "mcledger append stored \(stored) events, expected \(events) (see \(file("append.out")))")
        }

        // The same rows, as COPY text, into the plain table.
        _ = try await ChildProcess.run(psqlArguments(
            "COPY (SELECT position, stream, version, event_id, type, data, metadata FROM mcledger.events WHERE position > \(first) ORDER BY position) TO STDOUT"),
            output: rows, errors: file("copy-out.err"))
        try await checkpoint()
        StandardError.write("bench: COPY of the same rows into the plain table\n")
        let copy = try await ChildProcess.run(psqlArguments(
            "COPY public.plain_events (position, stream, version, event_id, type, data, metadata) FROM STDIN"),
            input: rows, errors: file("copy-in.err"))
        let copied = try await count("SELECT count(*) FROM public.plain_events WHERE position > \(first)")
        guard copied == events else { throw LedgerError(.internal, "COPY stored \(copied) rows, expected \(events)") }

        let ratio = copy.seconds / append.seconds
        table.add(.init(
            workload: "bulk append: \(BenchFormat.grouped(events)) domain events, NDJSON file -> `mcledger append` vs psql `COPY FROM STDIN`",
            mcledger: BenchFormat.rate(events, append.seconds, "events"), baseline: BenchFormat.rate(events, copy.seconds, "rows"),
            ratio: ratio, latency: String(format: "%.1f s vs %.1f s", append.seconds, copy.seconds), peakRSS: append.peakRSS,
            target: ">= 0.8x", met: ratio >= 0.8))
    }

    /// Writes the next `count` scenario lines to `path` as NDJSON.
    private func writeLines(_ count: Int, to path: String) throws(LedgerError) {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw LedgerError(.internal, "cannot create \(path)")
        }
        defer { try? handle.close() }
        var progress = ProgressReporter("bench: writing \(BenchFormat.grouped(count)) NDJSON lines")
        var written = 0
        while written < count {
            let chunk = nextLines(min(50_000, count - written))
            guard !chunk.isEmpty else { throw LedgerError(.internal, "the scenario ended after \(written) of \(count) lines") }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(chunk.count * 260)
            for line in chunk {
                bytes.append(contentsOf: line.utf8)
                bytes.append(UInt8(ascii: "\n"))
            }
            do {
                try handle.write(contentsOf: bytes)
            } catch {
                throw LedgerError(.internal, "writing \(path): \(error)")
            }
            written += chunk.count
            progress.update(written, of: count, unit: "lines")
        }
        progress.finish()
    }

    /// `mcledger history --format ndjson` of the whole ledger vs psql
    /// `COPY (SELECT ... ORDER BY position) TO STDOUT`, both to /dev/null.
    func history(into table: inout BenchTable) async throws(LedgerError) {
        try await checkpoint()
        StandardError.write("bench: mcledger history --format ndjson of \(BenchFormat.grouped(ledgerSize)) events\n")
        let history = try await ChildProcess.run([mcledger, "history", "--format", "ndjson"], errors: file("history.err"),
                                                 environment: ["MCLEDGER_DATABASE_URL": conninfo])
        StandardError.write("bench: COPY (SELECT ...) TO STDOUT\n")
        let copy = try await ChildProcess.run(psqlArguments(
            "COPY (SELECT position, stream, version, event_id, type, data, metadata, recorded_at, hash FROM mcledger.events ORDER BY position) TO STDOUT"),
            errors: file("copy-to.err"))
        let ratio = copy.seconds / history.seconds
        table.add(.init(
            workload: "history: all \(BenchFormat.grouped(ledgerSize)) events in position order, `history --format ndjson` vs psql `COPY (SELECT ...) TO STDOUT`",
            mcledger: BenchFormat.rate(ledgerSize, history.seconds, "events"), baseline: BenchFormat.rate(ledgerSize, copy.seconds, "rows"),
            ratio: ratio, latency: String(format: "%.1f s vs %.1f s", history.seconds, copy.seconds), peakRSS: history.peakRSS,
            target: ">= 0.5x", met: ratio >= 0.5))
    }
}
