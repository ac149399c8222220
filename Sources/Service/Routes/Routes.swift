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
