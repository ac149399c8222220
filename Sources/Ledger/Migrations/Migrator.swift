import Foundation

/// Applies the numbered migrations of `sql/migrations` (each once, each in
/// its own transaction, recorded in `mcledger.schema_migrations`) and then
/// re-applies `sql/functions` (all `CREATE OR REPLACE`) in one transaction.
/// Idempotent; concurrent runs are serialised by an advisory lock.
public struct Migrator: Sendable {
    /// One SQL file.
    public struct Script: Sendable {
        public let version: Int
        public let name: String
        public let sql: String
    }

    public let migrations: [Script]
    public let functions: [Script]

    /// Loads the SQL shipped with mcledger.
    public init() throws(LedgerError) {
        guard let root = Bundle.module.url(forResource: "sql", withExtension: nil) else {
            throw LedgerError(.internal, "the sql/ resources are missing from the mcledger installation")
        }
        migrations = try Self.load(root.appendingPathComponent("migrations"))
        functions = try Self.load(root.appendingPathComponent("functions"))
    }

    /// Brings the database up to date; returns the names of the migrations applied now.
    @discardableResult
    public func migrate(_ connection: PostgresConnection) async throws(LedgerError) -> [String] {
        let encoding = try await connection.execute("SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()").string(0, 0)
        guard encoding == "UTF8" else {
            throw LedgerError(.usage, "the database must use UTF8 encoding (it uses \(encoding ?? "?")): the ledger stores UTF-8 text and hashes its bytes")
        }
        try await connection.execute("SELECT pg_advisory_lock(hashtext('mcledger.migrate'))")
        do {
            let applied = try await apply(connection)
            try await connection.execute("SELECT pg_advisory_unlock(hashtext('mcledger.migrate'))")
            return applied
        } catch {
            _ = try? await connection.execute("SELECT pg_advisory_unlock(hashtext('mcledger.migrate'))")
            throw error
        }
    }

    private func apply(_ connection: PostgresConnection) async throws(LedgerError) -> [String] {
        try await connection.executeScript("""
            CREATE SCHEMA IF NOT EXISTS mcledger;
            CREATE TABLE IF NOT EXISTS mcledger.schema_migrations (
                version int PRIMARY KEY,
                name text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            );
            """)
        let done = try await connection.execute("SELECT version FROM mcledger.schema_migrations")
        let appliedVersions = Set((0..<done.count).compactMap { done.int($0, 0) })
        var applied: [String] = []
        for script in migrations where !appliedVersions.contains(script.version) {
            try await connection.withTransaction { connection throws(LedgerError) in
                do throws(LedgerError) {
                    try connection.executeScript(script.sql)
                } catch {
                    throw LedgerError(error.code, "migration \(script.name) failed: \(error.message)", details: error.details)
                }
                try connection.execute("INSERT INTO mcledger.schema_migrations (version, name) VALUES ($1, $2)", [.int8(script.version), .text(script.name)])
            }
            applied.append(script.name)
        }
        let functions = self.functions
        try await connection.withTransaction { connection throws(LedgerError) in
            for script in functions {
                do throws(LedgerError) {
                    try connection.executeScript(script.sql)
                } catch {
                    throw LedgerError(error.code, "function file \(script.name) failed: \(error.message)", details: error.details)
                }
            }
        }
        return applied
    }

    private static func load(_ directory: URL) throws(LedgerError) -> [Script] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }.sorted()
        } catch {
            throw LedgerError(.internal, "cannot list \(directory.path): \(error.localizedDescription)")
        }
        var scripts: [Script] = []
        for name in names {
            guard let version = Int(name.prefix(while: \.isNumber)) else {
                throw LedgerError(.internal, "SQL file \(name) does not start with its number")
            }
            do {
                let sql = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
                scripts.append(Script(version: version, name: name, sql: sql))
            } catch {
                throw LedgerError(.internal, "cannot read \(name): \(error.localizedDescription)")
            }
        }
        return scripts
    }
}
