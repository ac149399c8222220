import Foundation
import Hummingbird
import Ledger
import Projections

extension Routes {
    /// `/healthz`, `/readyz`, `/metrics`, `/openapi.json` (no token needed).
    static func addOperations(_ router: Router<LedgerRequestContext>, _ services: LedgerServices) {
        router.get("/healthz") { _, _ -> Response in
            JSONResponse.make("{\"status\":\"ok\"}")
        }

        router.get("/readyz") { _, _ -> Response in
            // With a replica, "ready" means every route can answer: the
            // primary (appends, projections) and the replica (reads) both answer.
            let replica = services.hasReplica ? await Self.refreshReplicaMetrics(services) : nil
            let replicaJSON = services.hasReplica ? ",\"replica\":" + (replica?.json ?? "{\"status\":\"unavailable\"}") : ""
            do {
                let statuses = try await Self.refreshProjectionMetrics(services)
                let ready = !statuses.isEmpty && statuses.allSatisfy { $0.lag <= ServiceLimits.readyMaxLagEvents }
                    && (!services.hasReplica || replica != nil)
                let items = statuses.map { "{\"name\":\(JSONValue.quoted($0.name)),\"lag\":\($0.lag)}" }.joined(separator: ",")
                var response = JSONResponse.make(status: ready ? .ok : .serviceUnavailable,
                                                 "{\"ready\":\(ready),\"database\":\"ok\",\"maxLag\":\(ServiceLimits.readyMaxLagEvents),\"projections\":[\(items)]\(replicaJSON)}")
                // Every 503 of the API says when to retry.
                if !ready { response.headers[.retryAfter] = String(ServiceLimits.retryAfterSeconds) }
                return response
            } catch {
                var response = JSONResponse.make(status: .serviceUnavailable, "{\"ready\":false,\"database\":\"unavailable\",\"maxLag\":\(ServiceLimits.readyMaxLagEvents),\"projections\":[]\(replicaJSON)}")
                response.headers[.retryAfter] = String(ServiceLimits.retryAfterSeconds)
                return response
            }
        }

        router.get("/metrics") { _, _ -> Response in
            // Refresh what is read rather than recorded: lag and head.
            // (A database that is down shows as stale gauges; /readyz reports it.)
            if let statuses = try? await Self.refreshProjectionMetrics(services) {
                if let head = statuses.first?.head { services.metrics.head(head) }
            }
            if services.hasReplica { _ = await Self.refreshReplicaMetrics(services) }
            var buffer = ByteBuffer()
            buffer.writeString(services.metrics.render())
            return Response(status: .ok, headers: [.contentType: MediaTypes.prometheus], body: .init(byteBuffer: buffer))
        }

        router.get("/openapi.json") { _, _ -> Response in
            guard let document = StaticFiles.data("openapi.json") else {
                throw APIError(.internalServerError, "internal", "the OpenAPI document is missing from this build")
            }
            return Response(status: .ok, headers: [.contentType: MediaTypes.json], body: .init(byteBuffer: ByteBuffer(bytes: document)))
        }
    }

    /// Reads every projection's status and lag, records them as metrics, and returns the statuses.
    /// (On the primary: the projector and rebuilds move the checkpoints there.)
    static func refreshProjectionMetrics(_ services: LedgerServices) async throws -> [ProjectionStatus] {
        let (statuses, lagSeconds) = try await services.primaryPool.withConnection { connection in
            let statuses = try await Projector(connection: connection).status()
            return (statuses, try await Self.lagSeconds(connection, statuses))
        }
        for status in statuses {
            services.metrics.projection(status.name, lagEvents: status.lag, lagSeconds: lagSeconds[status.name] ?? 0, checkpoint: status.checkpoint)
        }
        return statuses
    }

    /// Probes the replica (and the primary's head, for the lag in events),
    /// records the replica gauges, and returns the status; nil, recorded as
    /// `mcledger_replica_up 0`, when the replica cannot be read.
    static func refreshReplicaMetrics(_ services: LedgerServices) async -> ReplicaStatus? {
        do {
            var status = try await services.pool.withConnection { connection in try await ReplicaStatus.probe(connection) }
            let primaryHead = try? await services.primaryPool.withConnection { connection in
                try await EventStore(connection: connection).head()?.position ?? 0
            }
            status.lagEvents = primaryHead.map { max($0 - status.head, 0) }
            services.metrics.replica(status)
            return status
        } catch {
            services.metrics.replicaDown()
            return nil
        }
    }

    /// Seconds since the oldest event a projection has not applied yet was recorded (0 when caught up).
    static func lagSeconds(_ connection: PostgresConnection, _ statuses: [ProjectionStatus]) async throws(LedgerError) -> [String: Double] {
        var seconds: [String: Double] = [:]
        for status in statuses where status.lag > 0 {
            let result = try await connection.execute(
                "SELECT extract(epoch FROM now() - recorded_at)::float8 FROM mcledger.events WHERE position = $1", [.int8(status.checkpoint + 1)])
            seconds[status.name] = result.string(0, 0).flatMap(Double.init) ?? 0
        }
        return seconds
    }
}

/// Files shipped in the target's `Resources/static` (dashboard CSS, OpenAPI document).
enum StaticFiles {
    static func data(_ name: String) -> [UInt8]? {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "static"),
              let data = try? Data(contentsOf: url) else { return nil }
        return Array(data)
    }
}
