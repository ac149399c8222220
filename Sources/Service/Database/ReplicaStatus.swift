import Ledger

/// What the server knows about the read replica (`--read-url`), probed on a
/// read connection: whether it is a hot standby (so that nothing could be
/// written there), the head it has replayed, and how far it trails the primary.
struct ReplicaStatus: Sendable {
    /// True when the read server is in recovery (a streaming or archive standby).
    var inRecovery: Bool
    /// `transaction_read_only` of the read session: on for every session of a hot standby.
    var readOnly: Bool
    /// The last position the replica has replayed: what its answers reflect.
    var head: Int
    /// Seconds since the last transaction the replica replayed was committed
    /// on the primary, counted only while WAL it received is still waiting
    /// to be replayed (0 when it has replayed everything it received, so an
    /// idle primary does not look like a lagging replica).
    var replayLagSeconds: Double
    /// WAL bytes received from the primary and not replayed yet.
    var replayLagBytes: Int
    /// Events on the primary the replica has not replayed (nil when the primary could not be read).
    var lagEvents: Int?

    /// One round trip on a replica connection. Reads only: functions of the
    /// recovery state, one setting, and the last position (through the primary key).
    static func probe(_ connection: PostgresConnection) async throws(LedgerError) -> ReplicaStatus {
        let row = try await connection.execute("""
            SELECT pg_is_in_recovery(), current_setting('transaction_read_only') = 'on',
                   coalesce((SELECT max(position) FROM mcledger.events), 0),
                   CASE WHEN NOT pg_is_in_recovery()
                          OR pg_last_wal_receive_lsn() IS NULL
                          OR pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0
                        ELSE greatest(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END::float8,
                   CASE WHEN pg_is_in_recovery() AND pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()
                        THEN pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()) ELSE 0 END::int8
            """)
        guard row.count == 1 else { throw LedgerError(.internal, "the replica status query returned \(row.count) rows") }
        return ReplicaStatus(
            inRecovery: row.bool(0, 0) ?? false, readOnly: row.bool(0, 1) ?? false, head: row.int(0, 2) ?? 0,
            replayLagSeconds: row.string(0, 3).flatMap(Double.init) ?? 0, replayLagBytes: row.int(0, 4) ?? 0, lagEvents: nil)
    }

    /// `{"status":"ok","inRecovery",...}` for /readyz.
    var json: String {
        let lag = lagEvents.map(String.init) ?? "null"
        return "{\"status\":\"ok\",\"inRecovery\":\(inRecovery),\"readOnly\":\(readOnly),\"head\":\(head),\"lagEvents\":\(lag),"
            + "\"replayLagSeconds\":\(replayLagSeconds),\"replayLagBytes\":\(replayLagBytes)}"
    }
}
