import Ledger
import Projections

extension DashboardPage {
    /// A card per execution or minimal instance (role, required, ready, each
    /// workflow and its state, missing ones highlighted), then a card per
    /// control instance (its accounts and archiving workflows).
    var instancesSection: HTML {
        let instances = snapshot.readiness.instances
        var cards = instances.prefix(DashboardLimits.maxInstanceCards).map(instanceCard)
        let controls = controlNames
        cards += controls.prefix(max(0, DashboardLimits.maxInstanceCards - cards.count)).map(controlCard)
        let total = instances.count + controls.count
        let cut: HTML = total > cards.count
            ? "<p class=\"muted\">\(cards.count) of \(total) instances shown; the readiness API (<code>/v1/readiness</code>) lists every one.</p>"
            : .empty
        let body: HTML = cards.isEmpty
            ? "<p class=\"muted\">No instance is registered yet at this position.</p>"
            : "<div class=\"instances\">\(cards)</div>\(cut)"
        return """
            <section class="card" aria-labelledby="instances-title">
            <h2 id="instances-title">Instances and workflows</h2>
            \(body)
            </section>
            """
    }

    private func instanceCard(_ status: ReadinessAnswer.InstanceStatus) -> HTML {
        let tone = !status.required ? "idle" : status.ready ? "ready" : "unready"
        let required: HTML = status.required
            ? "<span class=\"badge badge-required\">required</span>"
            : "<span class=\"badge badge-muted\">not required</span>"
        let ready: HTML = status.ready
            ? "<span class=\"badge badge-ok\">ready</span>"
            : "<span class=\"badge badge-bad\">not ready</span>"
        let rows = WorkflowRow.rows(for: status, in: snapshot.topology).map(workflowLine)
        return """
            <article class="instance instance-\(tone)" data-instance="\(status.instance)">
            <header class="instance-head"><h3>\(status.instance)</h3>
            <span class="badge badge-role">\(status.role)</span>\(required)\(ready)</header>
            <table class="workflows"><tbody>\(rows)</tbody></table>
            </article>
            """
    }

    private func workflowLine(_ row: WorkflowRow) -> HTML {
        let note: HTML = row.note.map { "<span class=\"workflow-note\">\($0)</span>" } ?? .empty
        let flag: HTML = row.missing ? "<span class=\"needs\">needs started</span>" : .empty
        return """
            <tr class="\(row.missing ? "workflow workflow-missing" : "workflow")"><th scope="row">\(row.workflow)\(note)</th>\
            <td><span class="state state-\(row.state)">\(row.state)</span>\(flag)</td></tr>
            """
    }

    /// Control instances: registered as such, or named by an account.
    private var controlNames: [String] {
        let topology = snapshot.topology
        var names = Set(topology.instances.values.filter { $0.role == .control }.map(\.name))
        for account in topology.accounts { names.insert(account.control) }
        return names.sorted()
    }

    private func controlCard(_ name: String) -> HTML {
        let topology = snapshot.topology
        let accounts = topology.accounts.filter { $0.control == name }.sorted { $0.account < $1.account }
        var rows: [HTML] = accounts.map { account in
            let workflow = WorkflowKind.archivingNamePrefix + account.account
            let state = (topology.workflows[Topology.WorkflowKey(instance: name, name: workflow)]?.state ?? .absent).rawValue
            let note = "account \(account.account) → \(account.instance)" + (account.enabled ? "" : " (disabled)")
            return workflowLine(WorkflowRow(instance: name, workflow: workflow, state: state, note: note,
                                                missing: account.enabled && state != WorkflowState.started.rawValue))
        }
        let archiving = Set(accounts.map { WorkflowKind.archivingNamePrefix + $0.account })
        let others = topology.workflows.values.filter { $0.instance == name && !archiving.contains($0.name) }.sorted { $0.name < $1.name }
        rows += others.map { workflowLine(WorkflowRow(instance: name, workflow: $0.name, state: $0.state.rawValue, note: nil, missing: false)) }
        let body: HTML = rows.isEmpty ? "<p class=\"muted\">No account or workflow yet.</p>" : "<table class=\"workflows\"><tbody>\(rows)</tbody></table>"
        let registered: HTML = topology.instances[name] == nil ? "<span class=\"badge badge-muted\">not registered</span>" : .empty
        return """
            <article class="instance instance-control" data-instance="\(name)">
            <header class="instance-head"><h3>\(name)</h3><span class="badge badge-role">control</span>\(registered)</header>
            \(body)
            </article>
            """
    }
}
