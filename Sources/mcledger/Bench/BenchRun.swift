import Foundation
import Ledger
import Projections

/// One `mcledger bench` run: a throwaway cluster, the ledger database in it,
/// the scenario the events come from, and scratch files.
final class BenchRun {
    let home: URL
    let cluster: EmbeddedCluster
    /// conninfo of the ledger database.
    let conninfo: String
    let connection: PostgresConnection
    /// psql and this executable, for the workloads that run as processes.
    let psql: String
    let mcledger: String
    /// The realistic deployment the events come from (the demo's generator),
    /// sized for the whole run; the ledger holds its first `ledgerSize` lines.
    private var lines: DemoScenario.Lines
    private let parser = EnvelopeParser()
    var ledgerSize = 0
    /// Keep the generated inputs (NDJSON, COPY rows) next to the cluster, to re-run a workload by hand.
    var keepInputs = false
    /// Lines for the footer: how the ledger was grown, sizes, definitions.
    private(set) var notes: [String] = []

    private init(home: URL, cluster: EmbeddedCluster, conninfo: String, connection: PostgresConnection, lines: DemoScenario.Lines) throws(LedgerError) {
        self.home = home
        self.cluster = cluster
        self.conninfo = conninfo
        self.connection = connection
        self.psql = try EmbeddedCluster.serverCommand("psql")
        self.mcledger = ChildProcess.selfPath()
        self.lines = lines
    }

    /// Starts a throwaway cluster (PostgreSQL defaults, fsync on) and migrates the ledger database.
    static func start(events: Int, ledgerEvents: Int) async throws(LedgerError) -> BenchRun {
        let home = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("mcledger-bench-\(getpid())")
        let cluster = EmbeddedCluster(home: home, settings: ["max_connections": "300"])
        StandardError.write("bench: starting a throwaway cluster in \(home.path)\n")
        let conninfo = try await cluster.start()
        let connection = try await PostgresConnection.connect(conninfo, applicationName: "mcledger-bench")
        _ = try await Migrator().migrate(connection)
        try await connection.executeScript(BenchSQL.plainTable)
        // About 3 lines per transactional event (pushed, then its statuses), plus topology.
        let transactional = min(DemoScenario.maxTransactionalEvents, Int(Double(ledgerEvents) / 2.9) + 1_000)
        let sizing = DemoScenario(seed: BenchSQL.seed, transactionalEvents: transactional, start: Date())
        let scenario = DemoScenario(seed: BenchSQL.seed, transactionalEvents: transactional, start: Date().addingTimeInterval(-sizing.expectedDuration))
        return try BenchRun(home: home, cluster: cluster, conninfo: conninfo, connection: connection, lines: scenario.makeIterator())
    }

    /// Stops the cluster and removes its directory (unless `keep`).
    func finish(keep: Bool) {
        let connection = self.connection
        Task { await connection.close() }
        do {
            try cluster.stop(immediate: true)
        } catch {
            StandardError.write("bench: stopping the cluster: \(error.message)\n")
        }
        if keep {
            StandardError.write("bench: kept \(home.path)\n")
        } else {
            do {
                try FileManager.default.removeItem(at: home)
            } catch {
                StandardError.write("bench: removing \(home.path): \(error)\n")
            }
        }
    }

    /// The machine and the server's settings.
    func header(command: String) async throws(LedgerError) -> String {
        let settings = try await connection.execute("""
            SELECT current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit'),
                   current_setting('shared_buffers'), current_setting('max_wal_size'), current_setting('wal_buffers')
            """)
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
        #if DEBUG
        let build = "debug build (use `swift build -c release` for numbers that mean something)"
        #else
        let build = "release build"
        #endif
        let memory = ProcessInfo.processInfo.physicalMemory >> 30
        let flush: String
        switch Self.flushRate(in: home.path) {
        case .success(let perSecond):
            flush = "The disk under the cluster: \(BenchFormat.grouped(Int(perSecond.rounded()))) flushes/s "
                + String(format: "(one 8 kB write + fdatasync, %.0f us each, 2 s, pg_test_fsync's test)", 1e6 / max(perSecond, 1))
                + ": a commit's flush is what group commit shares, and the less it costs, the less sharing it saves."
        case .failure(let error):
            flush = "The disk's flush rate was not measured: \(error.message)."
        }
        return """
            # mcledger bench, \(Timestamps.rfc3339(Date()))

            `\(command)`: \(build); \(ProcessInfo.processInfo.activeProcessorCount) cores, \(memory) GiB, load average \(load) at the start.
            PostgreSQL \(settings.string(0, 0) ?? "?") on a throwaway cluster (Unix socket), fsync=\(settings.string(0, 1) ?? "?"), \
            synchronous_commit=\(settings.string(0, 2) ?? "?"), shared_buffers=\(settings.string(0, 3) ?? "?"), \
            max_wal_size=\(settings.string(0, 4) ?? "?"), wal_buffers=\(settings.string(0, 5) ?? "?"); otherwise defaults.
            \(flush)
            Baseline table (same shape as mcledger.events' identity and uniqueness): \(BenchSQL.plainTableSummary).

            """
    }

    /// Flushes per second of one 8 kB write followed by `fdatasync` on a
    /// scratch file in `directory`, for 2 s (what a commit waits for).
    static func flushRate(in directory: String) -> Result<Double, LedgerError> {
        let path = directory + "/flush-test"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { return .failure(LedgerError(.internal, "cannot create \(path): \(String(cString: strerror(errno)))")) }
        defer {
            close(fd)
            unlink(path)
        }
        let block = [UInt8](repeating: 0x5A, count: 8192)
        let started = Date()
        var flushes = 0
        while Date().timeIntervalSince(started) < 2 {
            let written = block.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
            guard written == block.count else { return .failure(LedgerError(.internal, "write to \(path): \(String(cString: strerror(errno)))")) }
            guard fdatasync(fd) == 0 else { return .failure(LedgerError(.internal, "fdatasync of \(path): \(String(cString: strerror(errno)))")) }
            flushes += 1
        }
        return .success(Double(flushes) / Date().timeIntervalSince(started))
    }

    func footer() -> String {
        "\n" + notes.map { "- \($0)\n" }.joined()
    }

    func note(_ text: String) {
        notes.append(text)
    }

    // MARK: - Growing the ledger

    /// The next `count` scenario lines (fewer when the scenario ends).
    func nextLines(_ count: Int) -> [String] {
        var chunk: [String] = []
        chunk.reserveCapacity(count)
        while chunk.count < count, let line = lines.next() { chunk.append(line) }
        return chunk
    }

    /// Appends scenario lines in-process until the ledger holds `target`
    /// events (not a compared workload; its rate is noted).
    func seed(upTo target: Int) async throws(LedgerError) {
        guard ledgerSize < target else { return }
        let start = ledgerSize, started = Date()
        var progress = ProgressReporter("bench: growing the ledger to \(BenchFormat.grouped(target))")
        var pipeline = PipelinedAppender(store: EventStore(connection: connection, heads: StreamHeadCache()))
        var summary = AppendSummary()
        while ledgerSize < target {
            let chunk = nextLines(min(AppendLimits.bulkBatchEvents, target - ledgerSize))
            guard !chunk.isEmpty else { break }
            let events = try chunk.map { (line: String) throws(LedgerError) in try parser.parse(line) }
            try await pipeline.submit(events, lines: Array(1...events.count), lastLine: events.count, into: &summary)
            ledgerSize += chunk.count
            progress.update(ledgerSize, of: target)
        }
        try await pipeline.drain(into: &summary)
        progress.finish()
        let seconds = Date().timeIntervalSince(started)
        note("The ledger was grown from \(BenchFormat.grouped(start)) to \(BenchFormat.grouped(ledgerSize)) events in-process "
             + "(\(BenchFormat.grouped(AppendLimits.bulkBatchEvents))-event batches, one in flight) in \(String(format: "%.1f", seconds)) s: \(BenchFormat.rate(ledgerSize - start, seconds, "events")).")
    }

    // MARK: - Helpers for the workloads

    func file(_ name: String) -> String {
        home.appendingPathComponent(name).path
    }

    /// psql running `sql` on the ledger database, or on `database` (a conninfo) when given.
    func psqlArguments(_ sql: String, database: String? = nil) -> [String] {
        [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", database ?? conninfo, "-c", sql]
    }

    /// The cluster's postmaster (the parent of this run's backend), whose
    /// processes `CPUTimes` adds up; 0 when /proc does not show it.
    func postmaster() async throws(LedgerError) -> pid_t {
        try await connection.execute("SELECT pg_backend_pid()").int(0, 0).flatMap { CPUTimes.parent(of: pid_t($0)) } ?? 0
    }

    func checkpoint() async throws(LedgerError) {
        try await connection.executeScript("CHECKPOINT")
    }

    /// The integer `sql` returns, on the ledger database or on `database` when given.
    func count(_ sql: String, on database: PostgresConnection? = nil) async throws(LedgerError) -> Int {
        try await (database ?? connection).execute(sql).int(0, 0) ?? 0
    }
}

/// The baseline's plain table and the events both sides write.
enum BenchSQL {
    /// The database the bulk append's pairs after the first run in (created and dropped for each).
    static let scratchDatabase = "bench_pair"
    /// Fixes the scenario's random choices and event ids.
    static let seed: UInt64 = 20_261_128

    /// A typical event-store table: position, uuid unique, (stream, version) unique, jsonb payload.
    static let plainTable = """
        CREATE TABLE IF NOT EXISTS public.plain_events (
            position bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, stream text NOT NULL, version int NOT NULL DEFAULT 1,
            event_id uuid NOT NULL UNIQUE, type text NOT NULL DEFAULT 'EventStatusChanged',
            data jsonb NOT NULL, metadata jsonb NOT NULL DEFAULT '{}', recorded_at timestamptz NOT NULL DEFAULT now(),
            hash bytea, UNIQUE (stream, version));
        """
    static let plainTableSummary = "`public.plain_events(position bigint primary key, stream text, version int, event_id uuid unique, type text, data jsonb, metadata jsonb, recorded_at timestamptz, hash bytea, unique (stream, version))`"
    /// The event table's columns, in order: what the bulk append's COPY
    /// baseline and the batched-INSERT reference store.
    static let storedColumns = ["position", "stream", "version", "event_id", "type", "data", "metadata", "recorded_at", "hash"]
    static var storedColumnList: String { storedColumns.joined(separator: ", ") }
    static let plainInsert = "INSERT INTO public.plain_events (stream, event_id, data) VALUES ($1, $2::uuid, $3::jsonb)"

    static func data(client: Int, n: Int) -> String {
        "{\"instance\":\"exec-0\(client % 3 + 1)\",\"eventId\":\"c\(client)-\(n)\",\"queue\":\"realtime\",\"to\":\"pending\",\"eventType\":\"ORDER_CONFIRMATION\",\"channel\":\"email\"}"
    }
}
