import Ledger

extension StatusCounts {
    /// `counts --json` and `GET /v1/counts`: `{position, total, byStatus,
    /// byInstance, byQueue, byEventType, retries, lateBounces}`, every wire
    /// status present as a key (zero included) in every group.
    public var json: String {
        func object(_ byStatus: ByStatus) -> String {
            "{" + EventStatus.allCases.map { "\"\($0.rawValue)\":\(byStatus[$0])" }.joined(separator: ",") + "}"
        }
        func keyed(_ groups: [String: ByStatus]) -> String {
            "{" + groups.sorted { $0.key < $1.key }.map { "\(JSONValue.quoted($0.key)):\(object($0.value))" }.joined(separator: ",") + "}"
        }
        return "{\"position\":\(position),\"total\":\(total),\"byStatus\":\(object(byStatus)),\"byInstance\":\(keyed(byInstance)),\"byQueue\":\(keyed(byQueue)),\"byEventType\":\(keyed(byEventType)),\"retries\":\(retries),\"lateBounces\":\(lateBounces)}"
    }
}
