import ArgumentParser
import Foundation
import Ledger

/// `mcledger verify`: recomputes the hash chain and checks the table's guarantees.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recompute the hash chain and check the ledger's guarantees; exit 1 if the ledger was altered.")

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "Print the report as JSON.") var json = false
    @Flag(help: "Print the head's digest, POSITION:HASH, to keep for a later --against.") var digest = false
    @Option(help: "Also check that the ledger still extends this earlier digest (POSITION:HASH).") var against: String?

    func run() async throws {
        try await runReportingErrors("verify") {
            let earlier = try against.map { (text: String) throws(LedgerError) in try Digest(parsing: text) }
            let store = EventStore(connection: try await database.connect())
            defer { Task { await store.connection.close() } }
            let progress = ProgressBox(ProgressReporter("verify"))
            let report = try await Verifier(store: store).verify(against: earlier) { done, total in
                progress.update(done, total)
            }
            progress.finish()
            let out = StandardOutput()
            if json {
                out.write(report.json + "\n")
            } else if digest && report.ok {
                out.write("\(report.head?.description ?? "0:\(Hex.encode(ChainHasher.genesis))")\n")
            } else {
                out.write(Self.text(report))
            }
            out.flush()
            if !report.ok {
                if digest && !json { StandardError.write(Self.text(report)) }
                throw ExitCode(ExitStatus.altered)
            }
        }
    }

    static func text(_ report: VerificationReport) -> String {
        if report.ok {
            return "ok: \(report.checked) events, chain intact, head \(report.head?.description ?? "empty")\n"
        }
        var text = "ALTERED: \(report.problemCount) problem(s); first bad position: \(report.firstBadPosition.map(String.init) ?? "n/a")\n"
        for problem in report.problems { text += "  [\(problem.kind)] \(problem.message)\n" }
        return text
    }

}
