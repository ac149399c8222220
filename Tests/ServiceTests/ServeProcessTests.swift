import Foundation
import Ledger
import LedgerTestSupport
import Testing

/// `mcledger serve` as a process: startup, tokens, and a graceful SIGTERM.
@Suite("mcledger serve process")
struct ServeProcessTests {
    /// A running `mcledger serve --port 0` and what it printed on stderr.
    final class ServeProcess: @unchecked Sendable {
        let process = Process()
        private let lock = NSLock()
        private var text = ""

        convenience init(database: TestDatabase, environment: [String: String]) throws {
            try self.init(environment: environment.merging(["MCLEDGER_DATABASE_URL": database.conninfo]) { given, _ in given })
        }

        /// `mcledger serve --port 0 arguments...` with `environment` (which names the database).
        init(environment: [String: String], arguments: [String] = []) throws {
            process.executableURL = CLI.executable
            var env = ProcessInfo.processInfo.environment
            env.removeValue(forKey: "MCLEDGER_TOKENS")
            env.removeValue(forKey: "MCLEDGER_READ_URL")
            for (key, value) in environment { env[key] = value }
            process.environment = env
            process.arguments = ["serve", "--port", "0"] + arguments
            let error = Pipe()
            process.standardError = error
            process.standardOutput = FileHandle.nullDevice
            error.fileHandleForReading.readabilityHandler = { [weak self] handle in
                let data = handle.availableData
                guard let self, !data.isEmpty else { return }
                self.lock.lock()
                self.text += String(decoding: data, as: UTF8.self)
                self.lock.unlock()
            }
            try process.run()
        }

        var stderr: String { lock.lock(); defer { lock.unlock() }; return text }

        /// The first whole stderr line containing `text`, once there is one
        /// (nil after `seconds`).
        func line(containing text: String, within seconds: Int = 15) async throws -> Substring? {
            for _ in 0..<(seconds * 20) {
                let printed = stderr, whole = printed[..<(printed.lastIndex(of: "\n") ?? printed.startIndex)]
                if let line = whole.split(separator: "\n").first(where: { $0.contains(text) }) { return line }
                try await Task.sleep(for: .milliseconds(50))
            }
            return nil
        }

        /// The port from "listening on http://127.0.0.1:PORT".
        func port() async throws -> Int {
            let prefix = "listening on http://127.0.0.1:"
            guard let line = try await line(containing: prefix), let range = line.range(of: prefix),
                  let port = Int(line[range.upperBound...].prefix { $0.isNumber }) else {
                throw LedgerError(.internal, "serve did not start: \(stderr)")
            }
            return port
        }

        func exitStatus(within seconds: Int) async throws -> Int32? {
            for _ in 0..<(seconds * 20) where process.isRunning {
                try await Task.sleep(for: .milliseconds(50))
            }
            return process.isRunning ? nil : process.terminationStatus
        }
    }

    @Test("SIGTERM drains in-flight appends: every acknowledged event is stored, and the server exits 0")
    func gracefulShutdown() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let token = "append-token-for-the-sigterm-test"
        let serve = try ServeProcess(database: database, environment: ["MCLEDGER_TOKENS": "append \(token)"])
        let port = try await serve.port()
        // Acknowledgements received by all clients so far.
        let acknowledgedSoFar = Locked(0)
        let acknowledged = await withTaskGroup(of: [Int].self) { group in
            for client in 0..<8 {
                group.addTask {
                    // Kept even when this client's connection ends in an error.
                    let box = Locked<[Int]>([])
                    _ = try? await TestClientRequest.run(port: port) { http in
                        for n in 0..<200 {
                            let result = try await HTTPResult.send(http, .post, "/v1/events", token: token,
                                                                   body: APIFixtures.pending("sig-\(client)-\(n)"))
                            guard result.status == 201, let position = result.object?["firstPosition"]?.integerValue else { break }
                            box.update { $0.append(position) }
                            acknowledgedSoFar.update { $0 += 1 }
                        }
                    }
                    return box.value
                }
            }
            // SIGTERM once appends are flowing (however slow the machine), mid-load.
            for _ in 0..<600 where acknowledgedSoFar.value < 40 {
                try? await Task.sleep(for: .milliseconds(10))
            }
            kill(serve.process.processIdentifier, SIGTERM)
            var all: [Int] = []
            for await positions in group { all += positions }
            return all
        }
        let status = try await serve.exitStatus(within: 20)
        #expect(status == 0, "serve did not exit cleanly after SIGTERM: \(serve.stderr)")
        #expect(!acknowledged.isEmpty)
        let stored = try await database.store()
        let count = try await stored.count()
        #expect(count >= acknowledged.count)
        let result = try await stored.connection.execute("SELECT count(*) FROM mcledger.events WHERE position = ANY($1::text[]::bigint[])",
                                                         [.textArray(acknowledged.map(String.init))])
        #expect(result.int(0, 0) == acknowledged.count, "an acknowledged event is missing")
        #expect(count < 8 * 200, "the server stopped before SIGTERM could interrupt anything")
    }

    @Test("serve logs one JSON object per line; a request's line carries its request id, route, status and time")
    func jsonRequestLog() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let serve = try ServeProcess(database: database, environment: ["MCLEDGER_TOKENS": "read log-test-token-0123456789"])
        let port = try await serve.port()
        let requestID = "log-line-test_1"
        let health = try await TestClientRequest.run(port: port) {
            try await HTTPResult.send($0, .get, "/healthz", headers: [APIContractTests.requestIDHeader: requestID])
        }
        #expect(health.status == 200)
        let logged = try #require(try await serve.line(containing: requestID, within: 5), "no log line names request \(requestID): \(serve.stderr)")
        let object = try #require(try JSONValue.parse(Array(logged.utf8)).objectValue, "not a JSON object: \(logged)")
        #expect(object["request_id"]?.stringValue == requestID)
        #expect(object["level"]?.stringValue == "info")
        #expect(object["message"]?.stringValue == "GET /healthz 200")
        #expect(object["route"]?.stringValue == "/healthz")
        let ms = try #require(object["ms"]?.stringValue)
        #expect(ms.wholeMatch(of: /[0-9]+\.[0-9]{2}/) != nil, "ms is \(ms)")
        let ts = try #require(object["ts"]?.stringValue)
        #expect(abs(try Timestamps.parse(ts).timeIntervalSinceNow) < 120, "ts is \(ts)")
        #expect(object["source"] == nil, "an info line names no source file")
        kill(serve.process.processIdentifier, SIGTERM)
        #expect(try await serve.exitStatus(within: 20) == 0)
    }

    @Test("without tokens, serve generates an admin token and prints it")
    func generatedToken() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let serve = try ServeProcess(database: database, environment: [:])
        let port = try await serve.port()
        let lines = serve.stderr.split(separator: "\n")
        let index = try #require(lines.firstIndex { $0.contains("generated an admin token") })
        let token = lines[index + 1].trimmingCharacters(in: .whitespaces)
        let digest = try await TestClientRequest.run(port: port) { try await HTTPResult.send($0, .get, "/v1/digest", token: token) }
        #expect(digest.status == 200)
        kill(serve.process.processIdentifier, SIGINT)
        #expect(try await serve.exitStatus(within: 20) == 0)
    }
}
