import Ledger
import Logging
import Projections
import ServiceLifecycle

/// Keeps the projections caught up while the server runs (LISTEN on the
/// ledger's notifications, polling as a fallback), reconnecting with backoff
/// when the database goes away. Stops at graceful shutdown after finishing
/// its current batch.
struct ProjectorService: Service {
    let conninfo: String
    let metrics: LedgerMetrics
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var backoff: Duration = .milliseconds(100)
            while !Task.isCancelled {
                do throws(LedgerError) {
                    let connection = try await PostgresConnection.connect(conninfo, applicationName: "mcledger-serve-projector")
                    defer { Task { await connection.close() } }
                    backoff = .milliseconds(100)
                    let metrics = self.metrics
                    try await Projector(connection: connection).run { reached in
                        for (name, checkpoint) in reached {
                            metrics.projection(name, lagEvents: 0, lagSeconds: 0, checkpoint: checkpoint)
                        }
                    }
                } catch where error.details["sqlstate"] == "42501" {
                    logger.warning("projector disabled: the database role may not update projections (\(error.message)); answers stay exact, computed from the events after the checkpoints")
                    return
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("projector: \(error.message); retrying in \(backoff)")
                    try? await Task.sleep(for: backoff)
                    backoff = min(backoff * 2, .seconds(5))
                }
            }
        }
    }
}
