import ArgumentParser
import Foundation
import Ledger
import Projections

/// `mcledger demo`: seeds a realistic deployment and shows readiness and counts.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Seed a realistic Message Center deployment into the embedded default and show readiness and counts.",
        discussion: "Deterministic: running it twice appends nothing the second time (the events carry fixed eventIds).")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Number of transactional events to simulate.")
    var events: Int = 200_000

    @Option(help: "Seed of the simulation.")
    var seed: UInt64 = 42

    func validate() throws {
        guard (0...5_000_000).contains(events) else { throw ValidationError("--events must be between 0 and 5000000") }
    }

    /// True when the event of `line` (the scenario's last) is already stored.
    static func isSeeded(_ line: String, parser: EnvelopeParser, store: EventStore) async throws(LedgerError) -> Bool {
        guard !line.isEmpty else { return false }
        let last = try parser.parse(line)
        let found = try await store.connection.execute(
            "SELECT 1 FROM mcledger.events WHERE event_id = $1::uuid", [.text(last.eventIdString)])
        return found.count == 1
    }

    func run() async throws {
        try await runReportingErrors("demo") {
            let started = Date()
            let connection = try await database.location.connect()
            defer { Task { await connection.close() } }
            try await Migrator().migrate(connection)
            let store = EventStore(connection: connection, heads: StreamHeadCache())

            // The simulated history ends about now, so `readiness --as-of` works with clock times too.
            let sizing = DemoScenario(seed: seed, transactionalEvents: events, start: Date())
            let scenario = DemoScenario(seed: seed, transactionalEvents: events, start: Date().addingTimeInterval(-sizing.expectedDuration))
            let parser = EnvelopeParser()
            var progress = ProgressReporter("demo: appending")
            var pipeline = PipelinedAppender(store: store)
            var summary = AppendSummary()
            var line = 0
            // The scenario is deterministic: when its last event is already in
            // the ledger, so is everything before it (a run appends in order),
            // and the second run skips straight to the answers.
            let (lineCount, lastLine) = scenario.reduce((0, "")) { ($0.0 + 1, $1) }
            let seeded = try await Self.isSeeded(lastLine, parser: parser, store: store)
            if seeded { summary.duplicates = lineCount }
            for chunk in scenario.chunks(size: AppendLimits.bulkBatchEvents) where !seeded {
                var batch: [ProposedEvent] = []
                var lines: [Int] = []
                batch.reserveCapacity(chunk.count)
                for text in chunk {
                    line += 1
                    do throws(LedgerError) {
                        batch.append(try parser.parse(text))
                        lines.append(line)
                    } catch {
                        try await pipeline.drain(into: &summary)
                        throw LedgerError(.internal, "the demo generated an invalid line \(line): \(error.message)")
                    }
                }
                try await pipeline.submit(batch, lines: lines, lastLine: line, into: &summary)
                progress.update(summary.appended + summary.duplicates)
            }
            try await pipeline.drain(into: &summary)
            progress.finish()
            let appended = summary.appended, duplicates = summary.duplicates

            let projector = Projector(connection: connection)
            let catchUp = ProgressBox(ProgressReporter("demo: projecting"))
            let total = appended + duplicates
            try await projector.catchUp { _, position in catchUp.update(position, total) }
            catchUp.finish()

            let reader = ProjectionReader(store: store)
            let readiness = try await reader.readiness()
            let counts = try await reader.counts()
            let seconds = Date().timeIntervalSince(started)
            let out = StandardOutput()
            out.write("mcledger demo: \(appended) events appended, \(duplicates) already present, in \(String(format: "%.1f", seconds))s\n")
            for line in scenario.summary { out.write("  \(line)\n") }
            out.write("\n" + ReadinessFormat.text(readiness) + "\n" + CountsFormat.text(counts))
            let middle = max(readiness.position / 2, 1)
            out.write("""

                Look further:
                  mcledger history --category workflow             every workflow action, in order
                  mcledger history --instance mc-exec-02 --limit 20
                  mcledger readiness --position \(middle)               readiness as it was earlier
                  mcledger readiness --as-of \(Timestamps.rfc3339(started.addingTimeInterval(-sizing.expectedDuration / 2)))
                  mcledger counts --json
                  mcledger verify --digest                         prove nobody rewrote it
                  psql "host=$PWD/.mcledger user=postgres dbname=mcledger" -c 'table mcledger.workflow_states'

                """)
            out.flush()
        }
    }
}
