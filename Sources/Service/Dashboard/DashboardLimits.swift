/// The dashboard's own limits (its refresh period and the number of latest
/// events are `ServiceLimits.dashboardRefreshSeconds` and
/// `ServiceLimits.dashboardLatestEvents`).
enum DashboardLimits {
    /// Largest sign-in form body, in bytes: one token and two short fields.
    static let maxSignInBodyBytes = 4 * 1024
    /// Longest token the sign-in accepts, in characters.
    static let maxTokenLength = 512
    /// Characters of an event's data (and actor) shown in "latest events"
    /// before it is cut with an ellipsis; the full event is one API call away.
    static let maxDataCharacters = 240
    /// Characters of an event's `metadata.actor` shown next to its data.
    static let maxActorCharacters = 64
    /// Longest `position`/`asOf` text echoed back in an error or a form.
    static let maxEchoedQueryCharacters = 64
    /// Instances and queues drawn in the per-instance chart; the rest are summed
    /// into one "other instances" row so the page stays bounded.
    static let maxChartRows = 50
    /// Instances shown with their workflows; a bigger topology is cut with a note.
    static let maxInstanceCards = 200
}
