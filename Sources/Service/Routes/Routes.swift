import Hummingbird

/// The server's routes; each area registers itself from its own file.
enum Routes {
    static func router(_ services: LedgerServices) -> Router<LedgerRequestContext> {
        let router = Router(context: LedgerRequestContext.self)
        router.add(middleware: RequestMiddleware(metrics: services.metrics))
        router.add(middleware: AuthMiddleware(tokens: services.configuration.tokens))
        addOperations(router, services)
        addAppend(router, services)
        addReads(router, services)
        addAdmin(router, services)
        addDashboard(router, services)
        return router
    }
}

extension Request {
    /// The body, at most `ServiceLimits.maxBodyBytes` (413 `bodyTooLarge` beyond).
    func collectLimitedBody() async throws -> ByteBuffer {
        var request = self
        return try await request.collectBody(upTo: ServiceLimits.maxBodyBytes)
    }
}
