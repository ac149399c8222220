import ArgumentParser
import Foundation
import Ledger
import Projections

/// `mcledger projections status | rebuild [NAME...] | run`.
struct ProjectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "projections",
        abstract: "Projection checkpoints and lag; rebuild without downtime; run the projector.",
        subcommands: [Status.self, Rebuild.self, Run.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Each projection's checkpoint, the head, the lag and the last rebuild.")
        @OptionGroup var database: DatabaseOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await runReportingErrors("projections status") {
                let connection = try await database.connect()
                defer { Task { await connection.close() } }
                let statuses = try await Projector(connection: connection).status()
                let out = StandardOutput()
                if json {
                    let items = statuses.map(\.json)
                    out.write("[\(items.joined(separator: ","))]\n")
                } else {
                    for s in statuses {
                        var line = "\(s.name): checkpoint \(s.checkpoint), head \(s.head), lag \(s.lag) (updated \(s.updatedAt))"
                        if let at = s.rebuiltAt { line += "; last rebuild \(at): \(s.rebuildEvents ?? 0) events in \(String(format: "%.1f", s.rebuildSeconds ?? 0))s" }
                        if let shadow = s.rebuildInProgress { line += "; unfinished rebuild at \(shadow) (run rebuild again to resume)" }
                        out.write(line + "\n")
                    }
                }
                out.flush()
            }
        }
    }

    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replay the whole ledger into shadow tables, then swap them in atomically (live tables keep serving).")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Projections to rebuild (default: all): \(Projector.names.joined(separator: ", ")).") var names: [String] = []

        func run() async throws {
            try await runReportingErrors("projections rebuild") {
                let names = try Projector.validate(self.names)
                let connection = try await database.connect()
                defer { Task { await connection.close() } }
                // A second connection computes every other chunk of counts (the
                // projection whose rebuild takes the time): both cores work.
                let helper = names.contains("counts") ? try await database.connect() : nil
                defer { if let helper { Task { await helper.close() } } }
                let projector = Projector(connection: connection)
                let out = StandardOutput()
                for name in names {
                    let progress = ProgressBox(ProgressReporter("rebuild \(name)"))
                    let report = try await projector.rebuild(name, helper: helper) { done, total in progress.update(done, total) }
                    progress.finish()
                    out.write("\(name): rebuilt \(report.events) events in \(String(format: "%.2f", report.seconds))s (\(Int(report.eventsPerSecond)) events/s)\n")
                    out.flush()
                }
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the projector until SIGINT/SIGTERM, following the ledger live.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await runReportingErrors("projections run") {
                let connection = try await database.connect()
                let projector = Projector(connection: connection)
                let task = Task { try await projector.run() }
                let signals = SignalWatcher.install([SIGINT, SIGTERM]) { task.cancel() }
                defer { signals.cancel() }
                StandardError.write("projector running; Ctrl-C to stop\n")
                do {
                    try await task.value
                } catch let error as LedgerError {
                    await connection.close()
                    throw error
                }
                await connection.close()
                StandardError.write("projector stopped\n")
            }
        }
    }
}

/// Turns signals into a callback (DispatchSource, so no async-signal-unsafe work runs in a handler).
final class SignalWatcher: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []

    static func install(_ signals: [Int32], _ handler: @escaping @Sendable () -> Void) -> SignalWatcher {
        let watcher = SignalWatcher()
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            watcher.sources.append(source)
        }
        return watcher
    }

    func cancel() { sources.forEach { $0.cancel() } }
}
