import Ledger

/// The one connection appends go through (the append lock serialises
/// appending transactions anyway, so more connections would only wait).
/// It is opened on first use and reopened after the database went away.
actor AppendConnection {
    private let conninfo: String
    private var connection: PostgresConnection?

    init(conninfo: String) {
        self.conninfo = conninfo
    }

    /// One group-commit transaction.
    func commit(_ requests: [[ProposedEvent]]) async throws(LedgerError) -> [Result<AppendOutcome, LedgerError>] {
        let connection = try await current()
        do {
            return try await EventStore(connection: connection).append(requests: requests)
        } catch {
            if await !connection.isUsable {
                await connection.close()
                self.connection = nil
            }
            throw error
        }
    }

    func close() async {
        await connection?.close()
        connection = nil
    }

    private func current() async throws(LedgerError) -> PostgresConnection {
        if let connection { return connection }
        let opened = try await PostgresConnection.connect(conninfo, applicationName: "mcledger-serve-append")
        connection = opened
        return opened
    }
}
