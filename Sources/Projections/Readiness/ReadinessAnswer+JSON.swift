import Ledger

extension ReadinessAnswer {
    /// `readiness --json` and `GET /v1/readiness`: `{ready, position,
    /// instances: [{instance, role, required, ready, missing: [{instance,
    /// workflow, state, need}]}]}`.
    public var json: String {
        let instances = instances.map { instance in
            let missing = instance.missing.map {
                "{\"instance\":\(JSONValue.quoted($0.instance)),\"workflow\":\(JSONValue.quoted($0.workflow)),\"state\":\(JSONValue.quoted($0.state)),\"need\":\(JSONValue.quoted($0.need))}"
            }
            return "{\"instance\":\(JSONValue.quoted(instance.instance)),\"role\":\(JSONValue.quoted(instance.role)),\"required\":\(instance.required),\"ready\":\(instance.ready),\"missing\":[\(missing.joined(separator: ","))]}"
        }
        return "{\"ready\":\(ready),\"position\":\(position),\"instances\":[\(instances.joined(separator: ","))]}"
    }
}
