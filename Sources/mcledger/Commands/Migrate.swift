import ArgumentParser
import Ledger

/// `mcledger migrate`: creates or upgrades the schema (idempotent).
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or upgrade the mcledger schema, roles and functions (idempotent).")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await runReportingErrors("migrate") {
            let connection = try await database.location.connect()
            defer { Task { await connection.close() } }
            let applied = try await Migrator().migrate(connection)
            let out = StandardOutput()
            out.write(applied.isEmpty ? "schema up to date\n" : "applied: \(applied.joined(separator: ", "))\n")
        }
    }
}
