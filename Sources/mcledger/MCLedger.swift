import ArgumentParser
import Ledger

/// `mcledger`: the event-sourced ledger of a transactional-messaging deployment.
@main
struct MCLedger: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcledger",
        abstract: "An event-sourced, tamper-evident ledger of technical workflows and transactional-event statuses, in PostgreSQL.",
        discussion: """
            Exit codes: 0 success; 1 verify found the ledger altered; 64 bad usage; 65 invalid input; \
            69 database unavailable; 70 internal error; 75 concurrency conflict.
            """,
        subcommands: [Migrate.self, Append.self, Readiness.self, Counts.self, History.self, ProjectionsCommand.self, Verify.self, Serve.self, Demo.self, Bench.self]
    )
}
