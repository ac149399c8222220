import Ledger
import Projections

extension DashboardPage {
    /// The answer to "may message templates be deployed?", large, with the
    /// position (and time) it reflects.
    var readinessBanner: HTML {
        let answer = snapshot.readiness
        let required = answer.instances.filter(\.required)
        let unready = required.filter { !$0.ready }
        let unmet = unready.reduce(0) { $0 + $1.missing.count }
        let reason: HTML
        if answer.ready {
            reason = "Message templates may be deployed: \(required.count == 1 ? "the required instance is" : "all \(required.count) required instances are") ready."
        } else if required.isEmpty {
            reason = "Do not deploy message templates: no instance is required yet (no enabled execution-instance account, no minimal instance)."
        } else {
            reason = "Do not deploy message templates: \(unready.count) of \(required.count) required instance\(required.count == 1 ? "" : "s") \(unready.count == 1 ? "is" : "are") not ready, \(unmet) requirement\(unmet == 1 ? "" : "s") unmet."
        }
        let recorded: HTML = snapshot.recordedAt.map {
            "<div><dt>Recorded</dt><dd><time datetime=\"\($0)\">\(DashboardFormat.time($0))</time> UTC</dd></div>"
        } ?? "<div><dt>Recorded</dt><dd>no events yet</dd></div>"
        return """
            <section class="banner \(answer.ready ? "banner-ready" : "banner-unready")" data-ready="\(answer.ready ? "true" : "false")" aria-live="polite">
            <div class="banner-main">
            <p class="banner-question">May message templates be deployed?</p>
            <p class="banner-verdict"><span class="banner-icon" aria-hidden="true">\(answer.ready ? "✓" : "✕")</span>\(answer.ready ? "READY" : "NOT READY")</p>
            <p class="banner-reason">\(reason)</p>
            </div>
            <dl class="banner-facts">
            <div><dt>Position</dt><dd data-position="\(answer.position)">\(DashboardFormat.count(answer.position))</dd></div>
            \(recorded)
            <div><dt>Head</dt><dd>\(DashboardFormat.count(snapshot.head))</dd></div>
            </dl>
            </section>
            """
    }

    /// Four numbers an operator looks for first.
    var summaryTiles: HTML {
        let required = snapshot.readiness.instances.filter(\.required)
        let counts = snapshot.counts
        let sent = counts.byStatus[.sent]
        let failed = counts.byStatus[.deliveryFailed] + counts.byStatus[.expired] + counts.byStatus[.notTakenIntoAccount]
        return """
            <section class="tiles" aria-label="Summary">
            \(tile("Required instances ready", "\(required.filter(\.ready).count) of \(required.count)",
                   required.allSatisfy(\.ready) && !required.isEmpty ? "good" : "bad"))
            \(tile("Transactional events", DashboardFormat.count(counts.total), "plain"))
            \(tile("Sent", "\(DashboardFormat.count(sent)) · \(DashboardFormat.percent(sent, of: counts.total))", "plain"))
            \(tile("Failed, expired or not taken", "\(DashboardFormat.count(failed)) · \(DashboardFormat.percent(failed, of: counts.total))",
                   failed > 0 ? "warn" : "plain"))
            \(tile("Retries · late bounces", "\(DashboardFormat.count(counts.retries)) · \(DashboardFormat.count(counts.lateBounces))", "plain"))
            </section>
            """
    }

    private func tile(_ label: String, _ value: String, _ tone: String) -> HTML {
        "<div class=\"tile tile-\(tone)\"><span class=\"tile-label\">\(label)</span><span class=\"tile-value\">\(value)</span></div>"
    }

    /// Every unmet requirement, one line each: "mc-control/mcSynch_exec03 is paused, needs started".
    var missingSection: HTML {
        let answer = snapshot.readiness
        let unready = answer.instances.filter { $0.required && !$0.ready }
        var items: [HTML] = []
        for instance in unready {
            for missing in instance.missing {
                items.append("""
                    <li class="missing-item missing-\(missing.state)"><span class="dot" aria-hidden="true"></span>\
                    <span class="missing-text">\(missing.instance)/\(missing.workflow) is \(missing.state), needs \(missing.need)</span>\
                    <span class="missing-for">for \(instance.instance)</span></li>
                    """)
            }
        }
        let body: HTML
        if !items.isEmpty {
            body = "<ol class=\"missing-list\">\(items)</ol>"
        } else if answer.ready {
            body = "<p class=\"all-good\">Nothing: every required workflow is started.</p>"
        } else {
            body = "<p class=\"muted\">Nothing can be missing yet: no instance is required. An instance becomes required when an enabled execution-instance account points at it, or when it is a minimal instance.</p>"
        }
        let count: HTML = items.isEmpty ? .empty : " <span class=\"count-badge\">\(items.count)</span>"
        return """
            <section class="card missing" aria-labelledby="missing-title">
            <h2 id="missing-title">What is missing\(count)</h2>
            \(body)
            </section>
            """
    }
}
