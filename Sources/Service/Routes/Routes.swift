import Hummingbird

/// The server's routes; each area registers itself from its own file.
enum Routes {
    static func router(_ services: LedgerServices) -> Router<LedgerRequestContext> {
        // Middleware applies only to the routes added after it, so the route
        // table (for 405 answers) is read from a router holding the same routes.
        let table = RouteTable(addRoutes(Router(context: LedgerRequestContext.self), services).routes)
        let router = Router(context: LedgerRequestContext.self)
        router.add(middleware: RequestMiddleware(metrics: services.metrics, routes: table))
        router.add(middleware: AuthMiddleware(tokens: services.configuration.tokens))
        return addRoutes(router, services)
    }

    private static func addRoutes(_ router: Router<LedgerRequestContext>, _ services: LedgerServices) -> Router<LedgerRequestContext> {
        addOperations(router, services)
        addAppend(router, services)
        addReads(router, services)
        addAdmin(router, services)
        addDashboard(router, services)
        return router
    }
}

extension Request {
    /// The body, at most `ServiceLimits.maxBodyBytes` (413 `bodyTooLarge`
    /// beyond), sent completely within `timeout` (408 `requestTimeout` beyond,
    /// however steadily it trickles in).
    func collectLimitedBody(within timeout: Duration) async throws -> ByteBuffer {
        let request = self
        return try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask {
                var request = request
                return try await request.collectBody(upTo: ServiceLimits.maxBodyBytes)
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let body = first else {
                throw APIError(.requestTimeout, "requestTimeout",
                               "the request body was not received within \(timeout.components.seconds) s; send it faster or in smaller requests",
                               fields: [("limitSeconds", .number(String(timeout.components.seconds)))])
            }
            return body
        }
    }
}
