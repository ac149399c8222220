import Hummingbird

/// Finds the caller's scope from `Authorization: Bearer TOKEN` (or, for the
/// dashboard in a browser, the `mcledger_token` cookie set by its sign-in
/// form). Routes then demand a scope with `context.require(_:)`. A request
/// without a recognised token is not refused here, so that public routes
/// (`/healthz`, `/readyz`, `/openapi.json`) stay public.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = LedgerRequestContext
    static let cookieName = "mcledger_token"

    let tokens: TokenStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let token = Self.token(of: request) {
            context.scope = tokens.scope(of: token)
            if context.scope == nil { context.presentedUnknownToken = true }
        }
        return try await next(request, context)
    }

    static func token(of request: Request) -> String? {
        if let header = request.headers[.authorization] {
            // "Bearer TOKEN", scheme case-insensitive (RFC 6750); anything else is an unknown token.
            let utf8 = header.utf8
            guard utf8.count > 7, header.prefix(7).lowercased() == "bearer " else { return "" }
            return String(header.dropFirst(7).drop { $0 == " " })
        }
        return request.cookies[cookieName]?.value
    }
}

extension LedgerRequestContext {
    /// Throws 401 without a valid token, 403 when its scope does not cover `scope`.
    func require(_ scope: Scope) throws(APIError) {
        guard let granted = self.scope else {
            throw presentedUnknownToken
                ? APIError.unauthorized("the bearer token is not valid")
                : APIError.unauthorized("this endpoint needs a bearer token with scope '\(scope.rawValue)' (Authorization: Bearer TOKEN)")
        }
        guard granted.permits(scope) else {
            throw APIError.forbidden("this endpoint needs scope '\(scope.rawValue)'; the token has scope '\(granted.rawValue)'")
        }
    }
}
