import Hummingbird

extension Routes {
    static func addDashboard(_ router: Router<LedgerRequestContext>, _ services: LedgerServices) {
    }
}
