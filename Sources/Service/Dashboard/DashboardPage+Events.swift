import Ledger

extension DashboardPage {
    /// The newest events at the position shown, newest first; each position
    /// links to the view as of that event.
    var eventsSection: HTML {
        let rows: [HTML] = snapshot.latest.map { event in
            """
            <tr><td class="num"><a href="/?position=\(event.position)" title="Show the ledger as of this event">\(event.position)</a></td>\
            <td class="nowrap"><time datetime="\(event.recordedAt)">\(DashboardFormat.time(event.recordedAt))</time></td>\
            <td class="stream">\(event.stream)</td>\
            <td><span class="type type-\(Self.typeTone(event.category))">\(event.type)</span></td>\
            <td class="data">\(Self.compact(event))</td></tr>
            """
        }
        let body: HTML = rows.isEmpty
            ? "<p class=\"muted\">No events yet at this position.</p>"
            : """
              <div class="scroll"><table class="events">
              <thead><tr><th scope="col" class="num">Position</th><th scope="col">Recorded (UTC)</th><th scope="col">Stream</th><th scope="col">Type</th><th scope="col">Data</th></tr></thead>
              <tbody>\(rows)</tbody>
              </table></div>
              """
        return """
            <section class="card" aria-labelledby="events-title">
            <h2 id="events-title">Latest events <span class="h-note">the \(snapshot.latest.count) newest at position \(DashboardFormat.count(snapshot.position))</span></h2>
            \(body)
            </section>
            """
    }

    /// Colour family of an event type, from its stream's category.
    static func typeTone(_ category: Substring) -> String {
        switch category {
        case "instance", "account": return "topology"
        case "workflow": return "workflow"
        case "rtEvent", "batchEvent": return "status"
        default: return "other"
        }
    }

    /// The event's data as `key value` pairs (and the metadata's actor), cut
    /// to `DashboardLimits.maxDataCharacters`. Every character is escaped.
    static func compact(_ event: RecordedEvent) -> HTML {
        var budget = DashboardLimits.maxDataCharacters
        var parts: [HTML] = []
        let pairs = (try? JSONValue.parse(Array(event.data.utf8)))?.objectValue?.pairs
        guard let pairs else {
            return "<span class=\"v\">\(DashboardFormat.truncated(event.data, to: budget))</span>"
        }
        for (key, value) in pairs {
            guard budget > 0 else {
                parts.append("<span class=\"k\">…</span>")
                break
            }
            let text = value.stringValue ?? value.serialized()
            let shown = DashboardFormat.truncated(text, to: max(1, budget))
            budget -= key.count + shown.count
            parts.append("<span class=\"pair\"><span class=\"k\">\(key)</span> <span class=\"v\">\(shown)</span></span>")
        }
        let metadata = (try? JSONValue.parse(Array(event.metadata.utf8)))?.objectValue
        if let actor = metadata?["actor"]?.stringValue {
            parts.append("<span class=\"actor\">by \(DashboardFormat.truncated(actor, to: DashboardLimits.maxActorCharacters))</span>")
        }
        return HTML(joining: parts, separator: " ")
    }
}
