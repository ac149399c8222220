import ArgumentParser
import Ledger

/// Where the ledger is; shared by every subcommand that touches the database.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: ArgumentHelp(
        "libpq URI or conninfo string (default: $MCLEDGER_DATABASE_URL, else the embedded cluster under ./.mcledger or $MCLEDGER_HOME).",
        valueName: "URL"))
    var databaseURL: String?

    var location: DatabaseLocation { DatabaseLocation.resolve(option: databaseURL) }

    /// Connects; on the embedded default, also brings the schema up to date so
    /// that a first `mcledger append` or `demo` just works.
    func connect() async throws(LedgerError) -> PostgresConnection {
        try await connectReturningConninfo().connection
    }

    /// `connect()`, also returning the conninfo it used (to reconnect with).
    func connectReturningConninfo() async throws(LedgerError) -> (connection: PostgresConnection, conninfo: String) {
        let location = self.location
        let conninfo = try await location.conninfo()
        let connection = try await PostgresConnection.connect(conninfo)
        if case .embedded = location {
            try await Migrator().migrate(connection)
        }
        return (connection, conninfo)
    }
}
