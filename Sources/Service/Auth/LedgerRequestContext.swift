import Hummingbird
import Logging

/// Per-request state: the scope the bearer token granted and the request id.
public struct LedgerRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthMiddleware` once the token is recognised.
    public var scope: Scope?
    /// Echoed in `X-Request-Id` and attached to every log line of the request.
    public var requestID: String = ""
    /// A token was presented but is not known (401 rather than "no token").
    public var presentedUnknownToken = false

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    /// Bodies are collected explicitly with `ServiceLimits.maxBodyBytes`.
    public var maxUploadSize: Int { ServiceLimits.maxBodyBytes }
}
