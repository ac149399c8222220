import Foundation

/// Where the ledger lives: a server named by a libpq URI/conninfo, or the
/// embedded default cluster.
public enum DatabaseLocation: Sendable {
    case url(String)
    case embedded(EmbeddedCluster)

    /// `--database-url`, else `MCLEDGER_DATABASE_URL`, else the embedded default.
    public static func resolve(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> DatabaseLocation {
        if let option, !option.isEmpty { return .url(option) }
        if let url = environment["MCLEDGER_DATABASE_URL"], !url.isEmpty { return .url(url) }
        return .embedded(EmbeddedCluster(home: EmbeddedCluster.defaultHome(environment: environment)))
    }

    /// Opens a connection, creating and starting the embedded cluster first if that is the location.
    public func connect() async throws(LedgerError) -> PostgresConnection {
        switch self {
        case .url(let url):
            return try await PostgresConnection.connect(url)
        case .embedded(let cluster):
            return try await PostgresConnection.connect(try await cluster.start())
        }
    }

    /// The conninfo to connect with (starting the embedded cluster if needed).
    public func conninfo() async throws(LedgerError) -> String {
        switch self {
        case .url(let url): return url
        case .embedded(let cluster): return try await cluster.start()
        }
    }
}
