import Foundation

/// Which events a history read returns. Every condition is bound as a
/// parameter; all conditions must hold.
public struct HistoryFilter: Sendable, Equatable {
    /// Exactly this stream.
    public var stream: String?
    /// Streams of this category (`workflow`, `rtEvent`, ...).
    public var category: String?
    /// Events whose data names this instance (`data.instance` or `data.control`).
    public var instance: String?
    /// Events of this workflow internal name (`data.workflow`).
    public var workflow: String?
    /// Events of this transactional event id (`data.eventId`).
    public var event: String?
    /// Events of this type.
    public var type: String?
    /// Recorded at or after this time.
    public var since: Date?
    /// Recorded at or before this time.
    public var until: Date?
    /// Positions greater than this.
    public var afterPosition: Int?
    /// At most this many events.
    public var limit: Int?

    public init() {}

    /// The WHERE conditions and their parameters, numbered from `$1`.
    func conditions() -> (sql: [String], parameters: [SQLParameter]) {
        var sql: [String] = []
        var parameters: [SQLParameter] = []
        func bind(_ parameter: SQLParameter) -> String {
            parameters.append(parameter)
            return "$\(parameters.count)"
        }
        if let stream { sql.append("stream = \(bind(.text(stream)))") }
        if let category {
            // stream is COLLATE "C": the category's streams sort between "cat-" and "cat." ('.' follows '-').
            sql.append("stream >= \(bind(.text(category + "-"))) AND stream < \(bind(.text(category + ".")))")
        }
        if let instance {
            let p = bind(.text(instance))
            sql.append("(data->>'instance' = \(p) OR data->>'control' = \(p))")
        }
        if let workflow { sql.append("data->>'workflow' = \(bind(.text(workflow)))") }
        if let event { sql.append("data->>'eventId' = \(bind(.text(event)))") }
        if let type { sql.append("type = \(bind(.text(type)))") }
        // Times become position bounds (recorded_at never decreases with
        // position, so they select the same events), found by a binary search
        // over positions: the read stays a range scan of the primary key. Each
        // lookup is an uncorrelated subquery, so it runs once per statement
        // even where the planner filters rows instead of bounding the scan.
        if let since { sql.append("position >= (SELECT mcledger.first_position_from(\(bind(.timestamptz(since)))))") }
        if let until { sql.append("position <= (SELECT mcledger.last_position_at(\(bind(.timestamptz(until)))))") }
        return (sql, parameters)
    }
}
