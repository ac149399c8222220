import ArgumentParser
import Ledger
import Projections

/// `mcledger readiness`: may message templates be deployed?
struct Readiness: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "May transactional message templates be deployed? Per instance, with every unmet requirement.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var point: PointOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        try await runReportingErrors("readiness") {
            let point = try point.point()
            let store = EventStore(connection: try await database.connect())
            defer { Task { await store.connection.close() } }
            let reader = ProjectionReader(store: store)
            try await reader.catchUpIfPermitted(["readiness"])
            let answer = try await reader.readiness(at: point)
            let out = StandardOutput()
            out.write(json ? answer.json + "\n" : ReadinessFormat.text(answer))
            out.flush()
        }
    }
}

/// Renderings of a `ReadinessAnswer`.
enum ReadinessFormat {
    static func text(_ answer: ReadinessAnswer) -> String {
        var text = answer.ready
            ? "READY: message templates may be deployed (position \(answer.position))\n"
            : "NOT READY: message templates may not be deployed yet (position \(answer.position))\n"
        if answer.instances.isEmpty { text += "  no execution or minimal instance is known yet\n" }
        for instance in answer.instances {
            let mark = instance.ready ? "ready" : "not ready"
            text += "  \(instance.instance) (\(instance.role)\(instance.required ? "" : ", not required")): \(mark)\n"
            for missing in instance.missing {
                text += "    - \(missing.instance)/\(missing.workflow) is \(missing.state), needs \(missing.need)\n"
            }
        }
        return text
    }
}
