import Hummingbird

extension Routes {
    /// The operators' dashboard at `/` (scope `read`, by bearer token or the
    /// session cookie its sign-in sets), its sign-in and sign-out, and its stylesheet.
    static func addDashboard(_ router: Router<LedgerRequestContext>, _ services: LedgerServices) {
        let dashboard = DashboardController(services: services)
        router.get("/") { request, context -> Response in
            await dashboard.home(request, context)
        }
        router.post("/signin") { request, context -> Response in
            await dashboard.signIn(request, context)
        }
        // A bookmarked or reloaded sign-in URL lands on the dashboard (or its form).
        router.get("/signin") { _, _ -> Response in
            HTMLResponse.seeOther("/")
        }
        router.post("/signout") { _, _ -> Response in
            dashboard.signOut()
        }
        router.get("/static/dashboard.css") { _, _ -> Response in
            dashboard.stylesheet()
        }
    }
}
