import Foundation
import Ledger

extension BenchRun {
    /// `mcledger append FILE` of the first `events` scenario lines (a child
    /// process, as a user runs it) vs psql `COPY ... FROM STDIN` of the same
    /// rows into the plain table: all nine columns as stored, `recorded_at`
    /// and `hash` included. `pairs` times, alternated: the first pair into
    /// the ledger database (whose events the later workloads read), each
    /// other into a scratch database created and dropped for it. The row is
    /// the pair with the median ratio; the footer lists every pair (on this
    /// machine one COPY of the same rows took 11 to 15 us per row from one
    /// run to the next, and a single pair's ratio moved with it).
    func bulkAppend(events: Int, pairs: Int, into table: inout BenchTable) async throws(LedgerError) {
        let input = file("append.ndjson"), rows = file("append.copy")
        defer {
            if !keepInputs {
                unlink(input)
                unlink(rows)
            }
        }
        try writeLines(events, to: input)
        let first = ledgerSize
        var measured = [try await appendPair(events: events, input: input, rows: rows, database: conninfo, on: connection, first: first)]
        ledgerSize += events
        for pair in stride(from: 2, through: pairs, by: 1) {
            StandardError.write("bench: pair \(pair) of \(pairs), in the scratch database \(BenchSQL.scratchDatabase)\n")
            measured.append(try await inScratchDatabase { (database, scratch) async throws(LedgerError) in
                try await appendPair(events: events, input: input, rows: rows, database: database, on: scratch, first: 0)
            })
        }
        let median = measured.sorted { $0.ratio < $1.ratio }[(measured.count - 1) / 2]
        let (append, copy) = (median.append, median.copy)
        table.add(.init(
            workload: "bulk append: \(BenchFormat.grouped(events)) domain events, NDJSON file -> `mcledger append` vs psql `COPY FROM STDIN` of the same rows (all nine columns)"
                + (measured.count > 1 ? "; the median of \(measured.count) alternated pairs" : ""),
            mcledger: BenchFormat.rate(events, append.seconds, "events"), baseline: BenchFormat.rate(events, copy.seconds, "rows"),
            ratio: median.ratio,
            latency: String(format: "%.2f / %.2f a %@-event transaction; %.1f s vs %.1f s", median.transactionMs.p50, median.transactionMs.p99,
                            BenchFormat.grouped(min(events, AppendLimits.bulkBatchEvents)), append.seconds, copy.seconds),
            peakRSS: append.peakRSS,
            target: ">= 0.8x", met: median.ratio >= 0.8))
        if measured.count > 1 {
            note("Bulk append, every pair (mcledger append then COPY, alternated; the first into the ledger database, "
                 + "the others into a scratch database of their own): "
                 + measured.enumerated().map { index, pair in
                     "\(index + 1): \(BenchFormat.rate(events, pair.append.seconds, "events")) vs \(BenchFormat.rate(events, pair.copy.seconds, "rows")), "
                         + String(format: "%.2fx", pair.ratio)
                 }.joined(separator: "; ") + ".")
        }
        note("CPU in the bulk append, the median pair (the clients' from wait4, the rest from /proc, all cores together): `mcledger append`: "
             + median.appendCPU.perOperation(events, process: "the client", unit: "event")
             + "; psql COPY: " + median.copyCPU.perOperation(events, process: "psql", unit: "row") + ".")
        try await batchedInsert(first: first, events: events, copySeconds: median.copy.seconds, into: &table)
    }

    /// One timed `mcledger append` of `input` into the ledger at `database`
    /// (`ledger` is connected to it; the ledger holds `first` events), then
    /// one timed COPY of the rows it stored into its plain table; both checked.
    private func appendPair(events: Int, input: String, rows: String, database: String, on ledger: PostgresConnection,
                            first: Int) async throws(LedgerError) -> AppendPair {
        let postmaster = try await self.postmaster()
        try await checkpoint()
        StandardError.write("bench: mcledger append of \(BenchFormat.grouped(events)) events\n")
        var (append, appendCPU) = try await CPUTimes.measure(postmaster: postmaster) { () async throws(LedgerError) in
            try await ChildProcess.run([mcledger, "append", input], output: file("append.out"), errors: file("append.err"),
                                       environment: ["MCLEDGER_DATABASE_URL": database])
        }
        appendCPU.process = append.cpuSeconds
        let transactionMs = try appendTransactionMs()
        let stored = try await count("SELECT count(*) FROM mcledger.events WHERE position > \(first)", on: ledger)
        guard stored == events else {
            throw LedgerError(.internal, "mcledger append stored \(stored) events, expected \(events) (see \(file("append.out")))")
        }

        // The same rows, all nine columns as stored, as COPY text, into the plain table.
        let columns = BenchSQL.storedColumnList
        _ = try await ChildProcess.run(psqlArguments(
            "COPY (SELECT \(columns) FROM mcledger.events WHERE position > \(first) ORDER BY position) TO STDOUT", database: database),
            output: rows, errors: file("copy-out.err"))
        try await checkpoint()
        StandardError.write("bench: COPY of the same rows into the plain table\n")
        var (copy, copyCPU) = try await CPUTimes.measure(postmaster: postmaster) { () async throws(LedgerError) in
            try await ChildProcess.run(psqlArguments("COPY public.plain_events (\(columns)) FROM STDIN", database: database),
                                       input: rows, errors: file("copy-in.err"))
        }
        copyCPU.process = copy.cpuSeconds
        let copied = try await sameRows(in: "public.plain_events", after: first, on: ledger)
        guard copied == events else { throw LedgerError(.internal, "COPY stored \(copied) of the \(events) rows as the ledger holds them") }
        return AppendPair(append: append, appendCPU: appendCPU, transactionMs: transactionMs, copy: copy, copyCPU: copyCPU)
    }

    /// p50 and p99 of the batches' transactions (ms), from the summary `mcledger append` printed.
    private func appendTransactionMs() throws(LedgerError) -> (p50: Double, p99: Double) {
        let path = file("append.out")
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LedgerError(.internal, "mcledger append left no summary at \(path)")
        }
        let times = try JSONValue.parse([UInt8](data))["transactionMs"]
        guard let p50 = times?["p50"]?.doubleValue, let p99 = times?["p99"]?.doubleValue else {
            throw LedgerError(.internal, "mcledger append's summary has no transactionMs p50 and p99 (see \(path))")
        }
        return (p50, p99)
    }

    /// `body` with a fresh, migrated scratch database (its conninfo and a
    /// connection to it) holding an empty plain table; dropped afterwards.
    private func inScratchDatabase<T>(_ body: (String, PostgresConnection) async throws(LedgerError) -> T) async throws(LedgerError) -> T {
        let name = BenchSQL.scratchDatabase
        try await connection.executeScript("DROP DATABASE IF EXISTS \(name)")
        try await connection.executeScript("CREATE DATABASE \(name)")
        let database = cluster.conninfo(database: name)
        let scratch = try await PostgresConnection.connect(database, applicationName: "mcledger-bench")
        let result: Result<T, LedgerError>
        do throws(LedgerError) {
            _ = try await Migrator().migrate(scratch)
            try await scratch.executeScript(BenchSQL.plainTable)
            result = .success(try await body(database, scratch))
        } catch {
            result = .failure(error)
        }
        await scratch.close()
        try await connection.executeScript("DROP DATABASE IF EXISTS \(name)")
        return try result.get()
    }

    /// Rows of `table` after position `first` that equal the ledger's row
    /// at their position in every column (untimed): the baselines store
    /// exactly what the ledger stored.
    private func sameRows(in table: String, after first: Int, on ledger: PostgresConnection? = nil) async throws(LedgerError) -> Int {
        let compared = BenchSQL.storedColumns.dropFirst()
        return try await count("""
            SELECT count(*) FROM \(table) t JOIN mcledger.events e USING (position)
            WHERE t.position > \(first)
              AND (\(compared.map { "t.\($0)" }.joined(separator: ", "))) = (\(compared.map { "e.\($0)" }.joined(separator: ", ")))
            """, on: ledger)
    }

    /// A reference, not a workload of the issue: the same rows sent as
    /// parameter arrays, `batch` per `INSERT ... SELECT unnest(...)` and
    /// COMMIT (one round trip each, as `append_events` travels), into a copy
    /// of the plain table: what a write path that is a statement rather than
    /// COPY costs PostgreSQL with no chain, no checks and no client work
    /// (the arrays are built before the clock starts), next to the same COPY.
    private func batchedInsert(first: Int, events: Int, copySeconds: Double, into table: inout BenchTable,
                               batch: Int = AppendLimits.bulkBatchEvents) async throws(LedgerError) {
        try await connection.executeScript("CREATE TABLE public.plain_batched (LIKE public.plain_events INCLUDING ALL)")
        var chunks: [[SQLParameter]] = []
        let store = EventStore(connection: connection)
        var position = first
        while position < first + events {
            let page = try await store.page(HistoryFilter(), after: position, limit: min(batch, first + events - position))
            let ids = page.compactMap { UUID(uuidString: $0.eventId) }
            guard !page.isEmpty, ids.count == page.count else {
                throw LedgerError(.internal, "reading back the events after position \(position) for the batched INSERT reference")
            }
            chunks.append([.int8(position), .textArray(page.map(\.stream)), .int4Array(page.map { Int32(clamping: $0.version) }),
                           .uuidArray(ids), .textArray(page.map(\.type)), .jsonbArray(page.map(\.data)), .jsonbArray(page.map(\.metadata)),
                           .textArray(page.map(\.recordedAt)), .byteaArray(page.map(\.hash))])
            position += page.count
        }
        let statement = PreparedStatement("bench_batched_insert", """
            INSERT INTO public.plain_batched (\(BenchSQL.storedColumnList))
            SELECT $1::bigint + generate_series(1, cardinality($2::text[])), unnest($2::text[]), unnest($3::int4[]),
                   unnest($4::uuid[]), unnest($5::text[]), unnest($6::jsonb[]), unnest($7::jsonb[]),
                   unnest($8::text[]::timestamptz[]), unnest($9::bytea[])
            """)
        let inserter = try await PostgresConnection.connect(conninfo, applicationName: "mcledger-bench")
        try await checkpoint()
        StandardError.write("bench: the same rows as parameter arrays, \(batch) per INSERT ... SELECT unnest() transaction\n")
        let started = Date()
        do throws(LedgerError) {
            for chunk in chunks {
                _ = try await inserter.withTransaction { connection throws(LedgerError) in
                    try connection.executeThenCommit(statement, chunk)
                }
            }
        } catch {
            await inserter.close()
            throw error
        }
        let seconds = Date().timeIntervalSince(started)
        await inserter.close()
        let inserted = try await sameRows(in: "public.plain_batched", after: first)
        guard inserted == events else { throw LedgerError(.internal, "the batched INSERT stored \(inserted) of the \(events) rows as the ledger holds them") }
        // Not read again: the later workloads run without its pages and its checkpoint writes.
        try await connection.executeScript("DROP TABLE public.plain_batched")
        table.add(.init(
            workload: "reference, not a target: the same rows as parameter arrays, \(BenchFormat.grouped(batch)) per "
                + "`INSERT ... SELECT unnest()` transaction (no chain, no checks, arrays built before the clock) vs the same psql `COPY FROM STDIN`",
            mcledger: BenchFormat.rate(events, seconds, "rows"), baseline: BenchFormat.rate(events, copySeconds, "rows"),
            ratio: copySeconds / seconds, latency: String(format: "%.1f s vs %.1f s", seconds, copySeconds)))
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

/// One measured pair of the bulk append workload.
struct AppendPair {
    var append: ChildProcess.Outcome
    var appendCPU: CPUTimes
    /// p50 and p99 of the append's transactions (one per batch), in ms.
    var transactionMs: (p50: Double, p99: Double)
    var copy: ChildProcess.Outcome
    var copyCPU: CPUTimes

    /// mcledger's rate over COPY's.
    var ratio: Double { copy.seconds / append.seconds }
}
