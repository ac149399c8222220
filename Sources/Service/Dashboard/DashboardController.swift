import Hummingbird
import Ledger
import Projections

/// The dashboard's handlers. Every outcome is an HTML page or a redirect
/// (never the API's JSON errors): a sign-in form (401/403) without a
/// read-scoped token, an error page for a bad view (400) or an unavailable
/// database (503), else the page.
struct DashboardController: Sendable {
    let services: LedgerServices

    /// `GET /[?position=N | ?asOf=T][&token=T]`.
    func home(_ request: Request, _ context: LedgerRequestContext) async -> Response {
        let signedIn = context.scope?.permits(.read) == true
        let query: DashboardQuery
        do {
            query = try DashboardQuery(request)
        } catch {
            return signedIn ? errorPage(error, DashboardQuery(), signedIn: true) : signInPage(.unauthorized, nil, DashboardQuery())
        }
        if let token = query.token {
            return signIn(token, returningTo: DashboardQuery(position: query.position, asOf: query.asOf))
        }
        guard let scope = context.scope else {
            let message = context.presentedUnknownToken ? "The token this browser presented is not valid (any more). Sign in again." : nil
            return signInPage(.unauthorized, message, query, clearCookie: context.presentedUnknownToken)
        }
        guard scope.permits(.read) else {
            return signInPage(.forbidden, Self.scopeMessage(scope), query)
        }
        do {
            let point = try query.point()
            do {
                let snapshot = try await DashboardSnapshot.read(services, at: point)
                return HTMLResponse.page(DashboardPage(snapshot: snapshot, query: query).html)
            } catch let error as APIError where error.code == LedgerError.Code.usage.rawValue {
                // A position the replica has not replayed yet: "retry shortly", not "no such position".
                throw try await services.replicaBehind(point, error) ?? error
            }
        } catch {
            return errorPage(RequestMiddleware.apiError(error, logger: context.logger), query, signedIn: true)
        }
    }

    /// `POST /signin` with the form fields `token` (and the view to return to, `position` or `asOf`).
    func signIn(_ request: Request, _ context: LedgerRequestContext) async -> Response {
        let media = request.headers[.contentType].map(MediaTypes.of)
        guard media == FormFields.mediaType else {
            return signInPage(.unsupportedMediaType, "The sign-in form must be sent as \(FormFields.mediaType).", DashboardQuery())
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: DashboardLimits.maxSignInBodyBytes)
        } catch {
            return signInPage(.contentTooLarge, "The sign-in form is larger than \(DashboardLimits.maxSignInBodyBytes) bytes.", DashboardQuery())
        }
        let fields = FormFields(parsing: String(buffer: body))
        let returning = DashboardQuery(position: fields["position"], asOf: fields["asOf"])
        guard let token = DashboardQuery(token: fields["token"]).token else {
            return signInPage(.unauthorized, "Enter a token.", returning)
        }
        return signIn(token, returningTo: returning)
    }

    /// `POST /signout`: forgets the cookie and goes back to the sign-in form.
    func signOut() -> Response {
        HTMLResponse.seeOther("/", cookie: SessionCookie.cleared)
    }

    /// Checks `token` and, when it may read, keeps it in the session cookie
    /// and redirects to the view asked for.
    private func signIn(_ token: String, returningTo view: DashboardQuery) -> Response {
        guard token.count <= DashboardLimits.maxTokenLength, let scope = services.configuration.tokens.scope(of: token) else {
            return signInPage(.unauthorized, "That token is not valid.", view)
        }
        guard scope.permits(.read) else {
            return signInPage(.forbidden, Self.scopeMessage(scope), view)
        }
        guard let cookie = SessionCookie.holding(token) else {
            return signInPage(.badRequest, "That token holds characters a cookie cannot carry; use it with the HTTP API (Authorization: Bearer).", view)
        }
        return HTMLResponse.seeOther("/" + view.viewQuery, cookie: cookie)
    }

    private static func scopeMessage(_ scope: Scope) -> String {
        "That token has scope '\(scope.rawValue)'; the dashboard needs a token with scope 'read' or 'admin'."
    }

    private func signInPage(_ status: HTTPResponse.Status, _ message: String?, _ query: DashboardQuery, clearCookie: Bool = false) -> Response {
        var headers: HTTPFields = [:]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer realm=\"mcledger\"" }
        var response = HTMLResponse.page(SignInPage(message: message, query: query).html, status: status, headers: headers)
        if clearCookie { response.setCookie(SessionCookie.cleared) }
        return response
    }

    private func errorPage(_ error: APIError, _ query: DashboardQuery, signedIn: Bool) -> Response {
        HTMLResponse.page(ErrorPage(error: error, query: query, signedIn: signedIn).html, status: error.status, headers: error.headers)
    }

    /// `GET /static/dashboard.css`.
    func stylesheet() -> Response {
        guard let css = StaticFiles.data("dashboard.css") else {
            return HTMLResponse.page(ErrorPage(error: APIError(.internalServerError, "internal", "the dashboard stylesheet is missing from this build"),
                                               query: DashboardQuery(), signedIn: false).html, status: .internalServerError)
        }
        return Response(status: .ok, headers: [.contentType: MediaTypes.css, .cacheControl: "no-cache", .xContentTypeOptions: "nosniff"],
                        body: .init(byteBuffer: ByteBuffer(bytes: css)))
    }
}
