import Ledger

/// A bounded pool of libpq connections for reads.
///
/// At most `size` connections are open; a request that finds none free waits
/// up to `ServiceLimits.poolWait`, then gets `.databaseUnavailable` (503).
/// A connection that broke (server restarted, network) is closed instead of
/// being returned, and the next caller opens a fresh one: the pool heals
/// itself when the database comes back.
public actor ConnectionPool {
    /// What a waiting caller is woken with.
    private enum Handoff {
        case connection(PostgresConnection)
        /// A slot became free (a broken connection was dropped): try again.
        case retry
        case timedOut
        case closed
    }

    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<Handoff, Never>
    }

    public let conninfo: String
    public let size: Int
    private let applicationName: String
    private let wait: Duration
    private var idle: [PostgresConnection] = []
    private var opened = 0
    private var waiters: [Waiter] = []
    private var nextWaiterID = 0
    private var closed = false
    private let onUse: @Sendable (_ inUse: Int, _ open: Int) -> Void

    public init(conninfo: String, size: Int, applicationName: String = "mcledger-serve",
                wait: Duration = ServiceLimits.poolWait,
                onUse: @escaping @Sendable (_ inUse: Int, _ open: Int) -> Void = { _, _ in }) {
        self.conninfo = conninfo
        self.size = max(size, 1)
        self.applicationName = applicationName
        self.wait = wait
        self.onUse = onUse
    }

    /// Runs `body` with a connection of its own; the connection goes back to
    /// the pool afterwards (or is dropped if it broke).
    public func withConnection<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await lease()
        do {
            let value = try await body(connection)
            await release(connection)
            return value
        } catch {
            await release(connection)
            throw error
        }
    }

    /// A connection for the caller alone, until it is given back with `giveBack`
    /// (for work that cannot be one closure, such as a streamed response).
    public func lease() async throws(LedgerError) -> PostgresConnection {
        try await acquire()
    }

    public func giveBack(_ connection: PostgresConnection) async {
        await release(connection)
    }

    /// Connections open and in use now.
    public var usage: (inUse: Int, open: Int) { (opened - idle.count, opened) }

    public func close() async {
        closed = true
        let connections = idle
        idle.removeAll()
        opened -= connections.count
        for connection in connections { await connection.close() }
        for waiter in waiters { waiter.continuation.resume(returning: .closed) }
        waiters.removeAll()
    }

    private func acquire() async throws(LedgerError) -> PostgresConnection {
        while true {
            guard !closed else { throw LedgerError(.databaseUnavailable, "the server is shutting down") }
            if let connection = idle.popLast() {
                report()
                return connection
            }
            if opened < size {
                opened += 1
                report()
                do {
                    return try await PostgresConnection.connect(conninfo, applicationName: applicationName)
                } catch {
                    opened -= 1
                    wakeOne(.retry)
                    report()
                    throw error
                }
            }
            switch await waitForHandoff() {
            case .connection(let connection): return connection
            case .retry: continue
            case .closed: throw LedgerError(.databaseUnavailable, "the server is shutting down")
            case .timedOut:
                throw LedgerError(.databaseUnavailable, "no database connection became free within \(wait) (pool of \(size))")
            }
        }
    }

    private func waitForHandoff() async -> Handoff {
        let id = nextWaiterID
        nextWaiterID += 1
        let wait = self.wait
        let timeout = Task { [weak self] in
            try? await Task.sleep(for: wait)
            await self?.expire(id)
        }
        defer { timeout.cancel() }
        return await withCheckedContinuation { continuation in
            waiters.append(Waiter(id: id, continuation: continuation))
        }
    }

    private func expire(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(returning: .timedOut)
    }

    private func wakeOne(_ handoff: Handoff) {
        guard !waiters.isEmpty else { return }
        waiters.removeFirst().continuation.resume(returning: handoff)
    }

    private func release(_ connection: PostgresConnection) async {
        guard !closed, await connection.isUsable else {
            await connection.close()
            opened -= 1
            wakeOne(.retry)
            report()
            return
        }
        if !waiters.isEmpty {
            wakeOne(.connection(connection))
            return
        }
        idle.append(connection)
        report()
    }

    private func report() {
        onUse(opened - idle.count, opened)
    }
}
