import Hummingbird
import Ledger

/// An error answered as `{"error": {"code", "message", ...}}` with the HTTP
/// status that goes with its code. Every failure the API reports is one of
/// these; nothing else reaches a client (see `ErrorMiddleware`).
public struct APIError: Error, Sendable, HTTPResponseError {
    public var status: HTTPResponse.Status
    /// Stable, machine-readable: a `LedgerError.Code` raw value or one of the
    /// HTTP-only codes below.
    public var code: String
    public var message: String
    /// Extra fields of the error object (`line`, `index`, `field`, `stream`, `expected`, `actual`, ...).
    public var fields: [(String, JSONValue)]
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, fields: [(String, JSONValue)] = [], headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        self.headers = headers
    }

    /// The API's answer to a ledger failure. `line` (NDJSON bodies) and
    /// `index` (JSON arrays, and the event within a batch) locate the input.
    public init(_ error: LedgerError) {
        let status: HTTPResponse.Status
        var headers: HTTPFields = [:]
        switch error.code {
        case .invalidInput, .usage: status = .badRequest
        case .illegalTransition: status = .unprocessableContent
        case .conflict: status = .conflict
        case .notFound: status = .notFound
        case .databaseUnavailable:
            status = .serviceUnavailable
            headers[.retryAfter] = String(ServiceLimits.retryAfterSeconds)
        case .ledgerAltered, .database, .internal: status = .internalServerError
        }
        var fields: [(String, JSONValue)] = []
        if let line = error.line { fields.append(("line", .number(String(line)))) }
        for key in error.details.keys.sorted() {
            guard let value = error.details[key] else { continue }
            if Self.numericDetails.contains(key), let number = Int(value) {
                fields.append((key, .number(String(number))))
            } else {
                fields.append((key, .string(value)))
            }
        }
        self.init(status, error.code.rawValue, error.message, fields: fields, headers: headers)
    }

    /// Details that are integers and go out as JSON numbers (every other
    /// detail is a string), as /openapi.json documents the error object.
    private static let numericDetails: Set<String> = ["index", "expected", "actual", "position", "line", "offset", "head", "limit"]

    // HTTP-only failures.
    static func unauthorized(_ message: String) -> APIError {
        APIError(.unauthorized, "unauthorized", message, headers: [.wwwAuthenticate: "Bearer realm=\"mcledger\""])
    }

    static func forbidden(_ message: String) -> APIError {
        APIError(.forbidden, "forbidden", message)
    }

    static func notFound(_ message: String) -> APIError {
        APIError(.notFound, LedgerError.Code.notFound.rawValue, message)
    }

    static func badRequest(_ message: String, parameter: String? = nil) -> APIError {
        APIError(.badRequest, LedgerError.Code.invalidInput.rawValue, message, fields: parameter.map { [("parameter", .string($0))] } ?? [])
    }

    /// JSON text of the error body.
    public var body: String {
        var object = "{\"error\":{\"code\":\(JSONValue.quoted(code)),\"message\":\(JSONValue.quoted(message))"
        for (key, value) in fields where key != "code" && key != "message" {
            object += ",\(JSONValue.quoted(key)):\(value.serialized())"
        }
        return object + "}}"
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONResponse.make(status: status, body)
        for field in headers { response.headers.append(field) }
        return response
    }
}
