import Hummingbird
import Ledger

extension Routes {
    /// `POST /v1/events`: append one event, a JSON array, or NDJSON; one
    /// request is one atomic batch, acknowledged after the group commit that
    /// holds it. 201 when something was appended, 200 when every event was a
    /// repeat (idempotent re-send).
    static func addAppend(_ router: Router<LedgerRequestContext>, _ services: LedgerServices) {
        router.post("/v1/events") { request, context -> Response in
            try context.require(.append)
            do {
                let query = try QueryParameters(request, allowed: ["raw"])
                let body = try await services.bodyDeadlines.collectBody(of: request)
                let parsed = try AppendBody.parse(body, contentType: request.headers[.contentType], raw: try query.bool("raw"))
                let outcome: AppendOutcome
                do throws(LedgerError) {
                    outcome = try await services.committer.append(parsed.events)
                } catch {
                    throw APIError(parsed.locate(error))
                }
                services.metrics.record(outcome)
                return JSONResponse.make(status: outcome.appended > 0 ? .created : .ok, Self.json(outcome, parsed.events))
            } catch {
                let apiError = RequestMiddleware.apiError(error, logger: context.logger)
                services.metrics.reject(apiError.code)
                throw apiError
            }
        }
    }

    /// `{appended, duplicates, firstPosition, lastPosition, recordedAt, events: [{eventId, stream, position, duplicate}]}`.
    static func json(_ outcome: AppendOutcome, _ events: [ProposedEvent]) -> String {
        let items = zip(events, zip(outcome.positions, outcome.isDuplicate)).map { event, slot in
            "{\"eventId\":\"\(event.eventIdString)\",\"stream\":\(JSONValue.quoted(event.stream)),\"position\":\(slot.0),\"duplicate\":\(slot.1)}"
        }
        let first = outcome.firstPosition.map(String.init) ?? "null"
        let last = outcome.lastPosition.map(String.init) ?? "null"
        let recordedAt = outcome.recordedAt.map { "\"\($0)\"" } ?? "null"
        return "{\"appended\":\(outcome.appended),\"duplicates\":\(outcome.duplicates),\"firstPosition\":\(first),\"lastPosition\":\(last),\"recordedAt\":\(recordedAt),\"events\":[\(items.joined(separator: ","))]}"
    }
}
