import Foundation
import Ledger
import Logging
import Projections

/// Runs projection rebuilds in the background for `POST /v1/projections/rebuild`;
/// one at a time. Progress shows in `GET /v1/projections`.
actor RebuildRunner {
    private let conninfo: String
    private let logger: Logger
    private var running: [String]?
    private var task: Task<Void, Never>?

    init(conninfo: String, logger: Logger) {
        self.conninfo = conninfo
        self.logger = logger
    }

    var current: [String]? { running }

    /// Starts rebuilding `names`; false when a rebuild is already running.
    func start(_ names: [String]) -> Bool {
        guard running == nil else { return false }
        running = names
        let conninfo = self.conninfo
        let logger = self.logger
        task = Task {
            do throws(LedgerError) {
                let connection = try await PostgresConnection.connect(conninfo, applicationName: "mcledger-serve-rebuild")
                defer { Task { await connection.close() } }
                for name in names {
                    let report = try await Projector(connection: connection).rebuild(name)
                    logger.info("rebuilt projection \(name): \(report.events) events in \(String(format: "%.1f", report.seconds)) s")
                }
            } catch {
                logger.error("rebuild of \(names.joined(separator: ", ")) failed: \(error.message); run it again to resume")
            }
            self.finished()
        }
        return true
    }

    func cancel() {
        task?.cancel()
    }

    private func finished() {
        running = nil
        task = nil
    }
}
