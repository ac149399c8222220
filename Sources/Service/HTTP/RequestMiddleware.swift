import Foundation
import Hummingbird
import Ledger
import Logging

/// Outermost middleware: gives each request an id (the caller's
/// `X-Request-Id` when it sends a sane one), logs it with that id, records
/// its metrics, and turns every error into the API's JSON error object,
/// including Hummingbird's own (unknown route 404, body over the limit 413);
/// a known path asked with another method is 405 with `Allow`.
/// An unexpected error is logged and answered 500 without its details.
struct RequestMiddleware: RouterMiddleware {
    typealias Context = LedgerRequestContext
    let metrics: LedgerMetrics
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let started = ContinuousClock.now
        let id = request.headers[HTTPFields.requestIDName].flatMap { Self.isSaneRequestID($0) ? $0 : nil }
            ?? UUID.v7().lowercasedString // time-ordered; Foundation's UUID() opens /dev/urandom at every call
        context.requestID = id
        context.logger[metadataKey: "request_id"] = .string(id)
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && !routes.methods(for: request.uri.path).isEmpty {
            response = try Self.methodNotAllowed(routes.methods(for: request.uri.path)).response(from: request, context: context)
        } catch {
            let apiError = Self.apiError(error, logger: context.logger)
            response = try apiError.response(from: request, context: context)
        }
        response.headers[HTTPFields.requestIDName] = id
        let seconds = (ContinuousClock.now - started).seconds
        let route = context.endpointPath ?? "unmatched"
        metrics.request(route: route, method: request.method.rawValue, status: response.status.code, seconds: seconds)
        let level: Logger.Level = response.status.code >= 500 ? .error : .info
        context.logger.log(level: level, "\(request.method) \(request.uri.path) \(response.status.code)", metadata: [
            "route": .string(route), "ms": .string(Self.milliseconds(seconds)),
        ])
        return response
    }

    /// `seconds` as milliseconds with two decimals (`12.34`), as the request
    /// log prints them (not `String(format:)`, which took a share of every
    /// request's CPU in `serve`'s profile).
    static func milliseconds(_ seconds: Double) -> String {
        let hundredths = Int((max(seconds, 0) * 100_000).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// Longest caller-chosen request id echoed back.
    static let maxRequestIDLength = 64

    /// A caller's `X-Request-Id` is used only when it is 1 to 64 ASCII
    /// letters, digits, `-` or `_`: safe in logs and never empty.
    static func isSaneRequestID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= maxRequestIDLength && id.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                return true
            default:
                return false
            }
        }
    }

    /// 413 for a body over `ServiceLimits.maxBodyBytes`.
    static let bodyTooLarge = APIError(.contentTooLarge, "bodyTooLarge", "the request body is larger than \(ServiceLimits.maxBodyBytes) bytes",
                                       fields: [("limit", .number(String(ServiceLimits.maxBodyBytes)))])

    /// 405 for a path that exists with other methods, listing them in `Allow`.
    static func methodNotAllowed(_ allowed: [HTTPRequest.Method]) -> APIError {
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        return APIError(.methodNotAllowed, "methodNotAllowed", "this endpoint takes \(list); see /openapi.json",
                        headers: [.allow: list])
    }

    static func apiError(_ error: any Error, logger: Logger) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as LedgerError:
            if error.code == .internal || error.code == .database {
                logger.error("\(error.code.rawValue): \(error.message)")
            }
            return APIError(error)
        case let error as any HTTPResponseError where error.status == .contentTooLarge:
            // HTTPError, or the NIOTooManyBytesError of collecting a body
            // beyond ServiceLimits.maxBodyBytes.
            return bodyTooLarge
        case let error as HTTPError:
            switch error.status {
            case .contentTooLarge:
                return bodyTooLarge
            case .notFound:
                return APIError(.notFound, "notFound", "no such endpoint; the API is described at /openapi.json")
            case .methodNotAllowed:
                return APIError(.methodNotAllowed, "methodNotAllowed", "this endpoint does not take that method; see /openapi.json")
            default:
                return APIError(error.status, error.status.code >= 500 ? "internal" : "badRequest", error.body ?? error.status.reasonPhrase)
            }
        default:
            logger.error("unexpected error: \(String(reflecting: error))")
            return APIError(.internalServerError, "internal", "an unexpected error occurred; it was logged with this request's id")
        }
    }
}

extension HTTPFields {
    /// `X-Request-Id`, the name of the request-id header.
    static let requestIDName = HTTPFields.Element.Name("X-Request-Id")!
}
