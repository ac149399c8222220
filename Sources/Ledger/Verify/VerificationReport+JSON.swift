extension VerificationReport {
    /// `verify --json` and `GET /v1/verify`: `{ok, checked, position, digest,
    /// firstBadPosition, problemCount, problems: [{kind, position, message}]}`.
    public var json: String {
        let problems = problems.map {
            "{\"kind\":\(JSONValue.quoted($0.kind)),\"position\":\($0.position.map(String.init) ?? "null"),\"message\":\(JSONValue.quoted($0.message))}"
        }
        let digest = head.map { "\"\($0)\"" } ?? "null"
        return "{\"ok\":\(ok),\"checked\":\(checked),\"position\":\(head?.position ?? 0),\"digest\":\(digest),\"firstBadPosition\":\(firstBadPosition.map(String.init) ?? "null"),\"problemCount\":\(problemCount),\"problems\":[\(problems.joined(separator: ","))]}"
    }
}
