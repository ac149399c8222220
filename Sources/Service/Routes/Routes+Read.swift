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
            let answer = try await namingPosition(point, services) {
                try await services.read { connection throws(LedgerError) in
                    try await ProjectionReader(store: EventStore(connection: connection)).readiness(at: point)
                }
            }
            return JSONResponse.make(answer.json)
        }

        router.get("/v1/counts") { request, context -> Response in
            try context.require(.read)
            let point = try QueryParameters(request, allowed: ["position", "asOf"]).point()
            let counts = try await namingPosition(point, services) {
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
                return try await stream(filter, services)
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
    /// (with the head, so the caller knows the valid range). On a replica, a
    /// position the primary holds but the replica has not replayed yet is
    /// not invalid, only early: 503 `replicaBehind` with Retry-After, so a
    /// client that appended at P and asks for `position=P` retries until the
    /// replica caught up.
    private static func namingPosition<T>(_ point: ProjectionReader.Point, _ services: LedgerServices,
                                          _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as APIError where error.code == LedgerError.Code.usage.rawValue {
            if let behind = try await services.replicaBehind(point, error) { throw behind }
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

    /// Every matching event as NDJSON, streamed page by page from pooled
    /// connections (constant memory however many events match). The first
    /// page is read before the response starts, so a database (or replica)
    /// that cannot be reached is a 503 with Retry-After, not a 200 cut short.
    private static func stream(_ filter: HistoryFilter, _ services: LedgerServices) async throws -> Response {
        let firstTake = min(ReadLimits.pageSize, filter.limit ?? Int.max)
        let first: HistoryLines? = firstTake == 0 ? nil : try await services.read { connection throws(LedgerError) in
            try await EventStore(connection: connection).linePage(filter, after: filter.afterPosition ?? 0, limit: firstTake)
        }
        let body = ResponseBody { writer in
            guard let first, let last = first.lastPosition else {
                try await writer.finish(nil)
                return
            }
            try await writer.write(Self.ndjson(first))
            let remaining = (filter.limit ?? Int.max) - first.count
            if first.count == firstTake && remaining > 0 {
                var rest = filter
                rest.afterPosition = last
                rest.limit = filter.limit == nil ? nil : remaining
                let connection = try await services.pool.lease()
                do {
                    // Lines rendered from binary columns (HistoryLines), the next page fetched while this one is written.
                    try await EventStore(connection: connection).readLines(rest, pageSize: ReadLimits.pageSize) { lines in
                        try await writer.write(Self.ndjson(lines))
                        return true
                    }
                    await services.pool.giveBack(connection)
                } catch {
                    await services.pool.giveBack(connection)
                    throw error
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: MediaTypes.ndjson, .cacheControl: "no-store"], body: body)
    }

    /// One page of history lines, each followed by a newline.
    private static func ndjson(_ lines: HistoryLines) -> ByteBuffer {
        var buffer = ByteBuffer()
        lines.forEach { line in
            buffer.writeBytes(line)
            buffer.writeInteger(UInt8(ascii: "\n"))
        }
        return buffer
    }
}
