import Foundation
import Hummingbird
import Ledger
import Projections

extension Routes {
    static let historyParameters: Set<String> = [
        "stream", "category", "instance", "workflow", "event", "type", "since", "until", "afterPosition", "limit", "format",
    ]

    /// Readiness, counts, history and one stream (scope `read`).
    static func addReads(_ router: Router<LedgerRequestContext>, _ services: LedgerServices) {
        router.get("/v1/readiness") { request, context -> Response in
            try context.require(.read)
            let point = try QueryParameters(request, allowed: ["position", "asOf"]).point()
            let answer = try await namingPosition {
                try await services.read { connection throws(LedgerError) in
                    try await ProjectionReader(store: EventStore(connection: connection)).readiness(at: point)
                }
            }
            return JSONResponse.make(answer.json)
        }

        router.get("/v1/counts") { request, context -> Response in
            try context.require(.read)
            let point = try QueryParameters(request, allowed: ["position", "asOf"]).point()
            let counts = try await namingPosition {
                try await services.read { connection throws(LedgerError) in
                    try await ProjectionReader(store: EventStore(connection: connection)).counts(at: point)
                }
            }
            return JSONResponse.make(counts.json)
        }

        router.get("/v1/events") { request, context -> Response in
            try context.require(.read)
            let query = try QueryParameters(request, allowed: historyParameters)
            let format = try query.string("format")
            let wantsStream = format == "ndjson"
                || (format == nil && (request.headers[.accept] ?? "").contains(MediaTypes.ndjson))
            guard format == nil || format == "ndjson" || format == "json" else {
                throw APIError.badRequest("query parameter 'format' must be json or ndjson, got '\(format ?? "")'", parameter: "format")
            }
            var filter = try historyFilter(query)
            if wantsStream {
                filter.limit = try query.int("limit", min: 0)
                return stream(filter, services)
            }
            // limit is "at most this many": a JSON page holds at most
            // maxPageSize (follow `next` for the rest); NDJSON has no page.
            let limit = min(try query.int("limit", min: 0) ?? ServiceLimits.defaultPageSize, ServiceLimits.maxPageSize)
            let after = filter.afterPosition ?? 0
            let pageFilter = filter
            let page = try await services.read { connection throws(LedgerError) in
                try await EventStore(connection: connection).page(pageFilter, after: after, limit: limit)
            }
            let next = page.count == limit && limit > 0 ? page.last.map { String($0.position) } ?? "null" : "null"
            return JSONResponse.make("{\"events\":[\(page.map(\.json).joined(separator: ","))],\"count\":\(page.count),\"next\":\(next)}")
        }

        router.get("/v1/streams/{stream}") { request, context -> Response in
            try context.require(.read)
            let name = context.parameters.get("stream").flatMap { $0.removingPercentEncoding } ?? ""
            let query = try QueryParameters(request, allowed: ["fromVersion", "limit"])
            let fromVersion = try query.int("fromVersion", min: 1) ?? 1
            let limit = try query.int("limit", min: 1, max: ServiceLimits.maxPageSize) ?? ServiceLimits.defaultPageSize
            let (version, events) = try await services.read { connection throws(LedgerError) in
                let store = EventStore(connection: connection)
                return (try await store.streamVersion(name), try await store.readStream(name, fromVersion: fromVersion, limit: limit))
            }
            guard version > 0 else { throw APIError.notFound("stream '\(name)' has no events") }
            let next = events.count == limit ? events.last.map { String($0.version + 1) } ?? "null" : "null"
            return JSONResponse.make("{\"stream\":\(JSONValue.quoted(name)),\"version\":\(version),\"events\":[\(events.map(\.json).joined(separator: ","))],\"next\":\(next)}")
        }
    }

    /// `ProjectionReader` refuses a position beyond the head as a usage
    /// error; over HTTP that is invalid input naming the `position` parameter
    /// (with the head, so the caller knows the valid range).
    private static func namingPosition<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as APIError where error.code == LedgerError.Code.usage.rawValue {
            var named = APIError.badRequest(error.message, parameter: "position")
            named.fields += error.fields
            throw named
        }
    }

    private static func historyFilter(_ query: QueryParameters) throws(APIError) -> HistoryFilter {
        var filter = HistoryFilter()
        filter.stream = try query.string("stream")
        filter.category = try query.string("category")
        filter.instance = try query.string("instance")
        filter.workflow = try query.string("workflow")
        filter.event = try query.string("event")
        filter.type = try query.string("type")
        filter.since = try query.time("since")
        filter.until = try query.time("until")
        filter.afterPosition = try query.int("afterPosition", min: 0)
        return filter
    }

    /// Every matching event as NDJSON, streamed page by page on one pooled
    /// connection (constant memory however many events match).
    private static func stream(_ filter: HistoryFilter, _ services: LedgerServices) -> Response {
        let body = ResponseBody { writer in
            let connection = try await services.pool.lease()
            do {
                let store = EventStore(connection: connection)
                // Lines rendered by PostgreSQL, the next page fetched while this one is written.
                try await store.readLines(filter, pageSize: ReadLimits.pageSize) { lines in
                    var buffer = ByteBuffer()
                    lines.forEach { line in
                        buffer.writeBytes(line)
                        buffer.writeInteger(UInt8(ascii: "\n"))
                    }
                    try await writer.write(buffer)
                    return true
                }
                await services.pool.giveBack(connection)
            } catch {
                await services.pool.giveBack(connection)
                throw error
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: MediaTypes.ndjson, .cacheControl: "no-store"], body: body)
    }
}
