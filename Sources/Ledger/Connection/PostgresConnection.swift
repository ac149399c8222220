import CLibPQ
import Foundation

/// One libpq connection, owned by an actor that runs on a thread of its own.
///
/// Every libpq call blocks, so the actor's executor is a dedicated
/// `ThreadExecutor`: awaiting a query never ties up the cooperative pool.
/// Values are always bound as parameters. Transactions are scoped
/// (`withTransaction`) and their bodies are synchronous, so nothing else can
/// interleave on the connection while a transaction is open.
public actor PostgresConnection {
    private nonisolated let executor: ThreadExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private var handle: OpaquePointer?
    private var prepared: Set<String> = []
    /// A BEGIN not sent yet: it travels in one round trip with the
    /// transaction's first statement.
    private var deferredBegin: String?
    /// Set when the body of `withTransaction` already sent COMMIT (pipelined
    /// with its last statement by `executeThenCommit`).
    private var committedEarly = false
    /// Who this connection is on the server: the backend's process id and
    /// start time (together unique, even across server restarts), so that a
    /// later session can tell whether this one's backend is still there.
    public private(set) var backend: BackendIdentity?

    private init(executor: ThreadExecutor) {
        self.executor = executor
    }

    /// Opens a connection with a libpq URI or conninfo string.
    /// Throws `.databaseUnavailable` when the server cannot be reached.
    public static func connect(_ conninfo: String, applicationName: String = "mcledger") async throws(LedgerError) -> PostgresConnection {
        let connection = PostgresConnection(executor: ThreadExecutor(name: "mcledger-libpq"))
        try await connection.open(conninfo, applicationName: applicationName)
        return connection
    }

    private func open(_ conninfo: String, applicationName: String) throws(LedgerError) {
        // Keys and values are passed separately so the caller's string is never
        // re-parsed or concatenated; `dbname` with expand_dbname=1 accepts both
        // a URI and a conninfo string.
        let keys = ["dbname", "application_name", "client_encoding", "connect_timeout"]
        let values = [conninfo, applicationName, "UTF8", "10"]
        let connection: OpaquePointer? = withCStringArray(keys) { k in
            withCStringArray(values) { v in PQconnectdbParams(k, v, 1) }
        }
        guard let connection else {
            throw LedgerError(.databaseUnavailable, "could not allocate a libpq connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(connection)
            throw LedgerError(.databaseUnavailable, "cannot connect to PostgreSQL: \(message)")
        }
        handle = connection
        // Timestamps are printed and parsed in UTC; server NOTICEs are not the
        // user's business. The backend's identity comes back in the same round trip.
        let setup = try execute("SELECT set_config('TimeZone', 'UTC', false), set_config('client_min_messages', 'warning', false), pg_backend_pid(), (SELECT backend_start::text FROM pg_stat_activity WHERE pid = pg_backend_pid())")
        if let pid = setup.int(0, 2), let started = setup.string(0, 3) {
            backend = BackendIdentity(pid: pid, startedAt: started)
        }
    }

    /// False once the connection is closed or libpq saw it break; a pool
    /// drops such connections instead of handing them out again.
    public var isUsable: Bool {
        guard let handle else { return false }
        return PQstatus(handle) == CONNECTION_OK && PQtransactionStatus(handle) == PQTRANS_IDLE
    }

    /// Closes the connection and stops its thread. Idempotent.
    public func close() {
        if let handle { PQfinish(handle) }
        handle = nil
        executor.shutdown()
    }

    /// Runs one statement with bound parameters and returns its rows.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [SQLParameter] = []) throws(LedgerError) -> QueryResult {
        if deferredBegin != nil { return try pipeline([(sql, parameters)])[0] }
        return try execute(sql, parameters, resultFormat: 0)
    }

    /// Like ``execute(_:_:)-(String,_)``, but the result's values are in
    /// PostgreSQL's binary format (each type's `send` function), for readers
    /// that decode it themselves (``HistoryLines``).
    public func executeBinary(_ sql: String, _ parameters: [SQLParameter] = []) throws(LedgerError) -> QueryResult {
        try flushDeferredBegin()
        return try execute(sql, parameters, resultFormat: 1)
    }

    /// One unnamed statement; `resultFormat` 0 is text, 1 binary.
    private func execute(_ sql: String, _ parameters: [SQLParameter], resultFormat: Int32) throws(LedgerError) -> QueryResult {
        let connection = try live()
        let result = withBoundParameters(parameters) { count, types, values, lengths, formats in
            PQexecParams(connection, sql, count, types, values, lengths, formats, resultFormat)
        }
        return try consume(result, sql: sql)
    }

    /// Runs a script of several statements without parameters (migrations).
    public func executeScript(_ sql: String) throws(LedgerError) {
        try flushDeferredBegin()
        let connection = try live()
        var result = PQexec(connection, sql)
        // PQexec returns the last statement's result; errors stop the script.
        while let current = result {
            let status = PQresultStatus(current)
            if status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY {
                throw PostgresError.ledgerError(from: current, connection: connection)
            }
            PQclear(current)
            result = nil
        }
    }

    /// Runs a named prepared statement, preparing it on first use on this connection.
    @discardableResult
    public func execute(_ statement: PreparedStatement, _ parameters: [SQLParameter]) throws(LedgerError) -> QueryResult {
        // A statement without a name has nothing to remember it by: sent as text
        // (remembering "" would run the first such statement in place of the next).
        if statement.name.isEmpty { return try execute(statement.sql, parameters) }
        try flushDeferredBegin()
        let connection = try live()
        try prepare(statement, parameters)
        let result = withBoundParameters(parameters) { count, _, values, lengths, formats in
            PQexecPrepared(connection, statement.name, count, values, lengths, formats, 0)
        }
        return try consume(result, sql: statement.sql)
    }

    /// Sends all statements in one round trip (libpq pipeline mode) and returns
    /// their results in order. If one fails, the error of the first failure is
    /// thrown; statements after it were not executed.
    public func pipeline(_ statements: [(sql: String, parameters: [SQLParameter])]) throws(LedgerError) -> [QueryResult] {
        try pipeline(statements.map { (PreparedStatement?.none, $0.sql, $0.parameters) })
    }

    /// `pipeline` with named prepared statements (each prepared on this
    /// connection the first time it is used): no parse or plan per call.
    public func pipeline(prepared statements: [(statement: PreparedStatement, parameters: [SQLParameter])]) throws(LedgerError) -> [QueryResult] {
        try pipeline(statements.map { ($0.statement, $0.statement.sql, $0.parameters) })
    }

    private func prepare(_ statement: PreparedStatement, _ parameters: [SQLParameter]) throws(LedgerError) {
        guard !prepared.contains(statement.name) else { return }
        let connection = try live()
        let types = parameters.map { Oid($0.oid) }
        let result = types.withUnsafeBufferPointer {
            PQprepare(connection, statement.name, statement.sql, Int32(types.count), $0.baseAddress)
        }
        _ = try consume(result, sql: statement.sql)
        prepared.insert(statement.name)
    }

    private func pipeline(_ statements: [(prepared: PreparedStatement?, sql: String, parameters: [SQLParameter])]) throws(LedgerError) -> [QueryResult] {
        for statement in statements {
            if let named = statement.prepared { try prepare(named, statement.parameters) }
        }
        if let begin = deferredBegin {
            deferredBegin = nil
            return Array(try pipeline([(nil, begin, [])] + statements).dropFirst())
        }
        let connection = try live()
        guard PQenterPipelineMode(connection) == 1 else { throw connectionError(connection, "cannot enter pipeline mode") }
        var results: [QueryResult] = []
        var firstError: LedgerError?
        var sent = 0
        for statement in statements {
            let ok = withBoundParameters(statement.parameters) { count, types, values, lengths, formats in
                if let named = statement.prepared {
                    return PQsendQueryPrepared(connection, named.name, count, values, lengths, formats, 0)
                }
                return PQsendQueryParams(connection, statement.sql, count, types, values, lengths, formats, 0)
            }
            if ok != 1 {
                firstError = connectionError(connection, "cannot send a pipelined statement")
                break
            }
            sent += 1
        }
        if PQpipelineSync(connection) != 1 { firstError = firstError ?? connectionError(connection, "cannot sync the pipeline") }
        // Each statement's results end with a NULL; statements after a failure
        // come back as PIPELINE_ABORTED. Then comes the sync point.
        for index in 0..<sent {
            while let result = PQgetResult(connection) {
                if PQresultStatus(result) == PGRES_PIPELINE_ABORTED {
                    PQclear(result)
                    continue
                }
                do {
                    results.append(try consume(result, sql: statements[index].sql))
                } catch {
                    firstError = firstError ?? error
                }
            }
        }
        while let result = PQgetResult(connection) {
            let status = PQresultStatus(result)
            PQclear(result)
            if status == PGRES_PIPELINE_SYNC { break }
        }
        PQexitPipelineMode(connection)
        if let firstError { throw firstError }
        return results
    }

    /// Runs `body` inside BEGIN ... COMMIT on this connection. The transaction
    /// commits only if `body` returns; any thrown error rolls it back.
    /// A COMMIT whose outcome is unknown (connection lost) is reported as
    /// `.databaseUnavailable` with `details["commit"] = "unknown"`.
    public func withTransaction<T: Sendable>(
        isolation level: IsolationLevel = .readCommitted,
        _ body: @Sendable (isolated PostgresConnection) throws(LedgerError) -> T
    ) throws(LedgerError) -> T {
        deferredBegin = "BEGIN ISOLATION LEVEL \(level.rawValue)"
        committedEarly = false
        let value: T
        do {
            value = try body(self)
        } catch {
            if committedEarly {
                committedEarly = false
                throw error // the COMMIT was sent: executeThenCommit has already dealt with it
            }
            if deferredBegin != nil {
                deferredBegin = nil // nothing was sent: nothing to roll back
            } else {
                rollbackQuietly()
            }
            throw error
        }
        if deferredBegin != nil {
            deferredBegin = nil // the body ran no statement
            return value
        }
        if committedEarly {
            committedEarly = false
            return value
        }
        do {
            try execute("COMMIT")
        } catch {
            var unknown = error
            if error.code == .databaseUnavailable { unknown.details["commit"] = "unknown" }
            rollbackQuietly()
            throw unknown
        }
        return value
    }

    /// Inside `withTransaction`: runs the transaction's LAST statement and its
    /// COMMIT in one round trip (pipeline), saving a round trip on the append
    /// path. If the statement fails, nothing is committed (the COMMIT is
    /// skipped by the server) and the transaction is rolled back. If the
    /// connection is lost, the outcome is unknown and reported as such
    /// (`details["commit"] = "unknown"`).
    @discardableResult
    public func executeThenCommit(_ statement: PreparedStatement, _ parameters: [SQLParameter] = []) throws(LedgerError) -> QueryResult {
        // A connection found lost before sending has sent no COMMIT: that
        // failure is certain (rolled back), not in doubt.
        _ = try live()
        committedEarly = true
        let results: [QueryResult]
        do {
            results = try pipeline([(statement, statement.sql, parameters), (nil, "COMMIT", [])])
        } catch {
            var failure = error
            if error.code == .databaseUnavailable {
                failure.details["commit"] = "unknown"
            }
            rollbackQuietly()
            throw failure
        }
        guard results.count == 2 else {
            throw LedgerError(.internal, "a pipelined statement and COMMIT returned \(results.count) results")
        }
        return results[0]
    }

    /// Transaction isolation levels mcledger uses.
    public enum IsolationLevel: String, Sendable {
        case readCommitted = "READ COMMITTED"
        case repeatableRead = "REPEATABLE READ"
        case repeatableReadReadOnly = "REPEATABLE READ READ ONLY"
    }

    /// Starts listening on a notification channel.
    public func listen(_ channel: String) throws(LedgerError) {
        let connection = try live()
        guard let quoted = PQescapeIdentifier(connection, channel, channel.utf8.count) else {
            throw connectionError(connection, "cannot quote channel name")
        }
        defer { PQfreemem(quoted) }
        try execute("LISTEN \(String(cString: quoted))")
    }

    /// Waits up to `timeout` for notifications and returns their payloads
    /// (empty on timeout). Blocks only this connection's own thread.
    public func waitForNotifications(timeout: Duration) throws(LedgerError) -> [String] {
        let connection = try live()
        var payloads = collectNotifications(connection)
        if !payloads.isEmpty { return payloads }
        var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
        let millis = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let ready = poll(&descriptor, 1, millis)
        if ready > 0 {
            guard PQconsumeInput(connection) == 1 else { throw connectionError(connection, "connection lost while waiting for notifications") }
            payloads = collectNotifications(connection)
        }
        return payloads
    }

    private func collectNotifications(_ connection: OpaquePointer) -> [String] {
        var payloads: [String] = []
        while let notify = PQnotifies(connection) {
            payloads.append(String(cString: notify.pointee.extra))
            PQfreemem(notify)
        }
        return payloads
    }

    /// Sends a deferred BEGIN on its own, for calls that cannot pipeline it.
    private func flushDeferredBegin() throws(LedgerError) {
        guard let begin = deferredBegin else { return }
        deferredBegin = nil
        _ = try execute(begin)
    }

    private func rollbackQuietly() {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return }
        // A failed ROLLBACK on a live connection leaves nothing to undo: the
        // server discards the transaction when the session ends.
        PQclear(PQexec(handle, "ROLLBACK"))
    }

    /// The handle, after making sure the connection is still there: a
    /// connection idle between statements has nothing to read unless the
    /// server said something on its own, typically that it is closing the
    /// session (shutdown, terminate, a cut connection). Noticing that here,
    /// before anything is sent, makes the failure certain to have sent
    /// nothing (so an append through it is known not to have committed)
    /// instead of an in-doubt COMMIT to resolve.
    private func live() throws(LedgerError) -> OpaquePointer {
        guard let handle else { throw LedgerError(.databaseUnavailable, "the connection is closed") }
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        if PQstatus(handle) == CONNECTION_OK, poll(&descriptor, 1, 0) > 0 {
            // Buffers what arrived (a notification, a notice, or an error and EOF).
            _ = PQconsumeInput(handle)
        }
        if PQstatus(handle) != CONNECTION_OK {
            throw connectionError(handle, "the connection to PostgreSQL was lost")
        }
        return handle
    }

    private func consume(_ result: OpaquePointer?, sql: String) throws(LedgerError) -> QueryResult {
        guard let result else {
            throw connectionError(handle, "no result from PostgreSQL")
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_SINGLE_TUPLE, PGRES_EMPTY_QUERY:
            return QueryResult(result)
        default:
            throw PostgresError.ledgerError(from: result, connection: handle)
        }
    }

    private func connectionError(_ connection: OpaquePointer?, _ context: String) -> LedgerError {
        let message = connection.map { String(cString: PQerrorMessage($0)).trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        return LedgerError(.databaseUnavailable, message.isEmpty ? context : "\(context): \(message)")
    }
}

/// A server backend (session): process id and start time, as
/// `pg_stat_activity` shows them (`backend_start` as PostgreSQL prints it).
public struct BackendIdentity: Sendable, Hashable {
    public var pid: Int
    public var startedAt: String
}

/// A statement prepared once per connection under a stable name.
public struct PreparedStatement: Sendable, Hashable {
    public let name: String
    public let sql: String
    public init(_ name: String, _ sql: String) {
        self.name = name
        self.sql = sql
    }
}

/// Lays out parameters in one buffer and hands libpq the parallel arrays it wants.
private func withBoundParameters<R>(
    _ parameters: [SQLParameter],
    _ body: (Int32, UnsafePointer<Oid>?, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) -> R
) -> R {
    var storage: [UInt8] = []
    var offsets: [Int] = []
    var lengths: [Int32] = []
    storage.reserveCapacity(parameters.reduce(0) { $0 + ($1.bytes?.count ?? 0) + 1 })
    for parameter in parameters {
        if let bytes = parameter.bytes {
            offsets.append(storage.count)
            storage.append(contentsOf: bytes)
            storage.append(0) // text parameters are NUL-terminated
            lengths.append(Int32(bytes.count))
        } else {
            offsets.append(-1)
            lengths.append(0)
        }
    }
    let types = parameters.map { Oid($0.oid) }
    let formats = parameters.map { $0.format.rawValue }
    return storage.withUnsafeBufferPointer { buffer in
        let base = UnsafeRawPointer(buffer.baseAddress)
        let values: [UnsafePointer<CChar>?] = offsets.map { offset in
            guard offset >= 0, let base else { return nil }
            return base.advanced(by: offset).assumingMemoryBound(to: CChar.self)
        }
        return values.withUnsafeBufferPointer { v in
            types.withUnsafeBufferPointer { t in
                lengths.withUnsafeBufferPointer { l in
                    formats.withUnsafeBufferPointer { f in
                        body(Int32(parameters.count), t.baseAddress, v.baseAddress, l.baseAddress, f.baseAddress)
                    }
                }
            }
        }
    }
}

private func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let duplicated: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    defer { duplicated.forEach { free($0) } }
    let terminated: [UnsafePointer<CChar>?] = duplicated.map { $0.map { UnsafePointer($0) } } + [nil]
    return terminated.withUnsafeBufferPointer { body($0.baseAddress!) }
}
