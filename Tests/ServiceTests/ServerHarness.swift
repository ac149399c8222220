import Foundation
import Hummingbird
import HummingbirdTesting
import Ledger
import LedgerTestSupport
import Logging
import Service
import ServiceLifecycle

/// A real `mcledger serve` on loopback (port chosen by the kernel) over a
/// fresh database of the shared throwaway cluster.
struct ServerHarness: Sendable {
    static let adminToken = "admin-token-0123456789abcdef"
    static let readToken = "read-token-0123456789abcdef"
    static let appendToken = "append-token-0123456789abcdef"

    let port: Int
    let database: TestDatabase
    let server: LedgerServer

    static func tokens() -> TokenStore {
        var tokens = TokenStore()
        tokens.add(adminToken, scope: .admin)
        tokens.add(readToken, scope: .read)
        tokens.add(appendToken, scope: .append)
        return tokens
    }

    /// Runs `body` against a server over a fresh database, shut down (gracefully) afterwards.
    static func with<T: Sendable>(runProjector: Bool = true, poolSize: Int = 4,
                                  _ body: @Sendable (ServerHarness) async throws -> T) async throws -> T {
        let database = try await TestCluster.shared.freshDatabase()
        let configuration = ServerConfiguration(host: "127.0.0.1", port: 0, conninfo: database.conninfo, tokens: tokens(),
                                                poolSize: poolSize, runProjector: runProjector)
        return try await serve(configuration, logLevel: .warning) { server, port in
            try await body(ServerHarness(port: port, database: database, server: server))
        }
    }

    /// Runs a server with `configuration` on loopback, calls `body` with it
    /// and its port, then shuts it down gracefully and closes its connections.
    static func serve<T: Sendable>(_ configuration: ServerConfiguration, logLevel: Logger.Level,
                                   _ body: @Sendable (LedgerServer, Int) async throws -> T) async throws -> T {
        var logger = Logger(label: "mcledger.test-server")
        logger.logLevel = logLevel
        let server = LedgerServer(configuration: configuration, logger: logger)
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = server.application { port in portContinuation.yield(port) }
        let group = ServiceGroup(services: [app], logger: logger)
        let running = Task { try await group.run() }
        var iterator = portStream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw LedgerError(.internal, "the server did not start") }
        do {
            let value = try await body(server, port)
            await group.triggerGracefulShutdown()
            try await running.value
            await server.shutdown()
            return value
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            await server.shutdown()
            throw error
        }
    }

    /// One HTTP/1.1 keep-alive connection to the server.
    func client<T: Sendable>(_ body: @escaping @Sendable (TestClient) async throws -> T) async throws -> T {
        try await TestClientRequest.run(port: port, body)
    }

    /// One request on a connection of its own.
    func request(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, contentType: String? = "application/json",
                 body: String? = nil, headers: HTTPFields = [:]) async throws -> HTTPResult {
        try await client { client in
            try await HTTPResult.send(client, method, uri, token: token, contentType: contentType, body: body, headers: headers)
        }
    }
}

/// A response with its body as text and, when it is JSON, parsed.
struct HTTPResult: Sendable {
    let status: Int
    let headers: HTTPFields
    let text: String

    var json: JSONValue? { try? JSONValue.parse(text) }
    var object: JSONObject? { json?.objectValue }
    var errorCode: String? { object?["error"]?.objectValue?["code"]?.stringValue }
    var errorObject: JSONObject? { object?["error"]?.objectValue }

    static func send(_ client: TestClient, _ method: HTTPRequest.Method, _ uri: String, token: String? = nil,
                     contentType: String? = "application/json", body: String? = nil, headers: HTTPFields = [:]) async throws -> HTTPResult {
        var fields = headers
        if let token { fields[.authorization] = "Bearer \(token)" }
        if let contentType, body != nil { fields[.contentType] = contentType }
        let response = try await client.execute(.init(uri, method: method, headers: fields, body: body.map { ByteBuffer(string: $0) }))
        return HTTPResult(status: Int(response.status.code), headers: response.headers, text: response.body.map { String(buffer: $0) } ?? "")
    }
}

/// A keep-alive connection to a server on loopback.
enum TestClientRequest {
    static func run<T: Sendable>(port: Int, _ body: @escaping @Sendable (TestClient) async throws -> T) async throws -> T {
        try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(60)), operation: body)
    }
}
