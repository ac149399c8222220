import Ledger

extension ProjectionStatus {
    /// `projections status --json` and `GET /v1/projections`: `{name,
    /// checkpoint, head, lag, updatedAt, rebuiltAt, rebuildSeconds,
    /// rebuildEvents, rebuildInProgress}`.
    public var json: String {
        "{\"name\":\(JSONValue.quoted(name)),\"checkpoint\":\(checkpoint),\"head\":\(head),\"lag\":\(lag),\"updatedAt\":\(JSONValue.quoted(updatedAt)),\"rebuiltAt\":\(rebuiltAt.map(JSONValue.quoted) ?? "null"),\"rebuildSeconds\":\(rebuildSeconds.map { String($0) } ?? "null"),\"rebuildEvents\":\(rebuildEvents.map(String.init) ?? "null"),\"rebuildInProgress\":\(rebuildInProgress.map(String.init) ?? "null")}"
    }
}
