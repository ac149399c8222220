import ArgumentParser
import Foundation
import Ledger
import Logging
import Service

/// `mcledger serve`: the HTTP API, metrics and the dashboard.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the HTTP API (/v1), /metrics, /healthz, /readyz, /openapi.json and the dashboard (/).",
        discussion: """
            Tokens: --token-file PATH (lines 'SCOPE TOKEN', scopes read, append, admin) and/or \
            MCLEDGER_TOKENS (the same entries separated by newlines or commas). With neither, a random \
            admin token is generated and printed on stderr. SIGTERM or SIGINT drains in-flight requests, \
            stops the projector and closes the connections.
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port, printed on stderr).") var port = 8080
    @Option(name: .customLong("token-file"), help: ArgumentHelp("File of 'SCOPE TOKEN' lines.", valueName: "PATH")) var tokenFile: String?
    @Option(name: .customLong("read-url"), help: ArgumentHelp(
        "A read-only streaming replica (hot standby) of the database, for history, streams, readiness, counts, verify/digest and the dashboard; appends and the projector stay on --database-url (default: $MCLEDGER_READ_URL; neither: the primary serves reads).",
        valueName: "URL"))
    var readURL: String?
    @Option(name: .customLong("pool-size"), help: "Read connections to PostgreSQL (to the replica with --read-url).") var poolSize = ServiceLimits.defaultPoolSize
    @Flag(name: .customLong("no-projector"), help: "Do not run the projector in-process (answers stay exact, computed from the events after the checkpoints).") var noProjector = false
    @Option(name: .customLong("commit-gather-us"), help: "Microseconds the group committer waits after a shared commit for its clients' next requests (0 disables).")
    var commitGatherMicroseconds = Int(ServiceLimits.commitGatherWindow.components.attoseconds / 1_000_000_000_000)
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"

    @Option(name: .customLong("log-format"), help: "json (one object per line) or text.") var logFormat = "json"

    func validate() throws {
        guard logFormat == "json" || logFormat == "text" else { throw ValidationError("--log-format must be json or text") }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
        guard (0...100_000).contains(commitGatherMicroseconds) else { throw ValidationError("--commit-gather-us must be from 0 to 100000") }
        guard poolSize >= 1 else { throw ValidationError("--pool-size must be >= 1") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical") }
    }

    func run() async throws {
        try await runReportingErrors("serve") {
            let level = Logger.Level(rawValue: logLevel) ?? .info
            let format = logFormat
            LoggingSystem.bootstrap { label in
                if format == "text" {
                    var handler = StreamLogHandler.standardError(label: label)
                    handler.logLevel = level
                    return handler
                }
                return JSONLogHandler(label: label, level: level)
            }
            let logger = Logger(label: "mcledger.serve")
            var tokens = try loadTokens()
            if tokens.isEmpty {
                let generated = Self.randomToken()
                tokens.add(generated, scope: .admin)
                StandardError.write("mcledger serve: no tokens configured (--token-file, MCLEDGER_TOKENS); generated an admin token for this run:\n  \(generated)\n")
            }
            // Migrate and start the embedded cluster first, so the server starts on a ready schema.
            let connection = try await database.connect()
            await connection.close()
            let conninfo = try await database.location.conninfo()
            // The replica is not contacted here: while it is down, reads answer 503 and appends still work.
            let readConninfo = [readURL, ProcessInfo.processInfo.environment["MCLEDGER_READ_URL"]].compactMap { $0 }.first { !$0.isEmpty }
            var configuration = ServerConfiguration(host: host, port: port, conninfo: conninfo, tokens: tokens,
                                                    poolSize: poolSize, runProjector: !noProjector, readConninfo: readConninfo)
            configuration.commitGatherWindow = .microseconds(commitGatherMicroseconds)
            let server = LedgerServer(configuration: configuration, logger: logger)
            let host = self.host
            do {
                try await server.run { port in
                    StandardError.write("mcledger serve: listening on http://\(host):\(port) (dashboard at /, API under /v1, described at /openapi.json)\n")
                    if readConninfo != nil {
                        StandardError.write("mcledger serve: reads (history, readiness, counts, verify, dashboard) go to the replica given by --read-url; appends and the projector to the primary\n")
                    }
                }
            } catch let error as LedgerError {
                throw error
            } catch {
                throw LedgerError(.usage, "cannot serve on \(host):\(port): \(error)")
            }
        }
    }

    private func loadTokens() throws(LedgerError) -> TokenStore {
        var tokens = TokenStore()
        if let tokenFile {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                throw LedgerError(.usage, "cannot read the token file '\(tokenFile)'")
            }
            try tokens.add(parsing: text, origin: tokenFile)
        }
        if let environment = ProcessInfo.processInfo.environment["MCLEDGER_TOKENS"], !environment.isEmpty {
            try tokens.add(parsing: environment, origin: "MCLEDGER_TOKENS")
        }
        return tokens
    }

    private static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(UInt8.random(in: 0...255, using: &generator), radix: 16).leftPadded(2) }.joined()
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
