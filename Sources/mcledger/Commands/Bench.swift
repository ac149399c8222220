import ArgumentParser
import Foundation
import Ledger

/// `mcledger bench`: mcledger next to raw PostgreSQL doing the same work, in one run.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure mcledger against raw PostgreSQL on a throwaway cluster (fsync on, defaults).",
        discussion: """
            Workload: CLIENTS concurrent clients each appending single events and waiting for each \
            acknowledgement, through mcledger's group commit, next to CLIENTS libpq connections doing \
            one-row INSERT transactions into a plain table of the same shape.
            """)

    @Option(help: "Concurrent clients (comma-separated list).") var clients: String = "1,16,64"
    @Option(help: "Seconds per workload.") var seconds: Double = 10

    func run() async throws {
        try await runReportingErrors("bench") {
            let counts = clients.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !counts.isEmpty, counts.allSatisfy({ (1...512).contains($0) }) else {
                throw LedgerError(.usage, "--clients must list numbers between 1 and 512")
            }
            let home = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("mcledger-bench-\(getpid())")
            let cluster = EmbeddedCluster(home: home, settings: ["max_connections": "600"])
            let conninfo = try await cluster.start()
            defer {
                try? cluster.stop(immediate: true)
                try? FileManager.default.removeItem(at: home)
            }
            let setup = try await PostgresConnection.connect(conninfo)
            try await Migrator().migrate(setup)
            try await setup.executeScript(BenchSQL.plainTable)
            let out = StandardOutput()
            out.write("workload | clients | mcledger events/s | baseline rows/s | ratio | mcledger p50/p99 ms | baseline p50/p99 ms\n")
            out.write("---|---:|---:|---:|---:|---:|---:\n")
            out.flush()
            for count in counts {
                let ledger = try await Self.groupCommitted(conninfo, clients: count, seconds: seconds)
                let plain = try await Self.oneRowTransactions(conninfo, clients: count, seconds: seconds)
                out.write("single-event appends | \(count) | \(Int(ledger.rate)) | \(Int(plain.rate)) | \(String(format: "%.2f", ledger.rate / max(plain.rate, 1)))x | \(ledger.percentiles) | \(plain.percentiles)\n")
                out.flush()
            }
            await setup.close()
        }
    }

    /// Completed operations and their latencies.
    struct Measurement {
        var count = 0
        var seconds = 0.0
        var latencies: [Double] = []
        var rate: Double { Double(count) / max(seconds, 0.001) }
        var percentiles: String {
            let sorted = latencies.sorted()
            func at(_ q: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] * 1000 }
            return String(format: "%.2f / %.2f", at(0.5), at(0.99))
        }
    }

    static func groupCommitted(_ conninfo: String, clients: Int, seconds: Double) async throws -> Measurement {
        let committer = GroupCommitter(store: EventStore(connection: try await PostgresConnection.connect(conninfo)))
        let parser = EnvelopeParser()
        let deadline = Date().addingTimeInterval(seconds)
        let started = Date()
        let results = try await withThrowingTaskGroup(of: [Double].self) { group in
            for client in 0..<clients {
                group.addTask {
                    var latencies: [Double] = []
                    var n = 0
                    while Date() < deadline {
                        n += 1
                        let line = BenchSQL.event(client: client, n: n, round: clients)
                        let event = try parser.parse(line)
                        let begin = Date()
                        _ = try await committer.append([event])
                        latencies.append(Date().timeIntervalSince(begin))
                    }
                    return latencies
                }
            }
            var all: [Double] = []
            for try await latencies in group { all += latencies }
            return all
        }
        let elapsed = Date().timeIntervalSince(started)
        let transactions = await committer.transactions
        StandardError.write("group commit, \(clients) clients: \(transactions) transactions, \(String(format: "%.1f", Double(results.count) / Double(max(transactions, 1)))) requests per transaction\n")
        return Measurement(count: results.count, seconds: elapsed, latencies: results)
    }

    static func oneRowTransactions(_ conninfo: String, clients: Int, seconds: Double) async throws -> Measurement {
        var connections: [PostgresConnection] = []
        for _ in 0..<clients { connections.append(try await PostgresConnection.connect(conninfo)) }
        let deadline = Date().addingTimeInterval(seconds)
        let started = Date()
        let statement = PreparedStatement("bench_insert", BenchSQL.plainInsert)
        let results = try await withThrowingTaskGroup(of: [Double].self) { group in
            for (client, connection) in connections.enumerated() {
                group.addTask {
                    var latencies: [Double] = []
                    var n = 0
                    while Date() < deadline {
                        n += 1
                        let begin = Date()
                        try await connection.execute(statement, [
                            .text("rtEvent-bench\(clients).\(client)-\(n)"), .text(UUID().uuidString), .jsonb(BenchSQL.data(client: client, n: n)),
                        ])
                        latencies.append(Date().timeIntervalSince(begin))
                    }
                    return latencies
                }
            }
            var all: [Double] = []
            for try await latencies in group { all += latencies }
            return all
        }
        for connection in connections { await connection.close() }
        return Measurement(count: results.count, seconds: Date().timeIntervalSince(started), latencies: results)
    }
}

/// The baseline's plain table and the events both sides write.
enum BenchSQL {
    /// A typical event-store table: uuid unique, (stream, version) unique, jsonb payload.
    static let plainTable = """
        CREATE TABLE IF NOT EXISTS public.plain_events (
            position bigserial PRIMARY KEY, stream text NOT NULL, version int NOT NULL DEFAULT 1,
            event_id uuid NOT NULL UNIQUE, type text NOT NULL DEFAULT 'EventStatusChanged',
            data jsonb NOT NULL, metadata jsonb NOT NULL DEFAULT '{}', recorded_at timestamptz NOT NULL DEFAULT now(),
            UNIQUE (stream, version));
        """
    static let plainInsert = "INSERT INTO public.plain_events (stream, event_id, data) VALUES ($1, $2::uuid, $3::jsonb)"

    static func data(client: Int, n: Int, round: Int = 0) -> String {
        "{\"instance\":\"exec-\(client % 3)\",\"eventId\":\"r\(round)c\(client)-\(n)\",\"queue\":\"realtime\",\"to\":\"pending\",\"eventType\":\"ORDER_CONFIRMATION\",\"channel\":\"email\"}"
    }

    static func event(client: Int, n: Int, round: Int) -> String {
        "{\"type\":\"EventStatusChanged\",\"eventId\":\"\(UUID().uuidString.lowercased())\",\"data\":\(data(client: client, n: n, round: round))}"
    }
}
