import Hummingbird
import Ledger
import Projections

extension Routes {
    /// Verify, digest and projections (scope `admin`).
    static func addAdmin(_ router: Router<LedgerRequestContext>, _ services: LedgerServices) {
        router.get("/v1/verify") { request, context -> Response in
            try context.require(.admin)
            let query = try QueryParameters(request, allowed: ["against"])
            let against: Digest?
            do {
                against = try query.string("against").map { (text: String) throws(LedgerError) in
                    // Digest(parsing:) reads the position with Int(_:), which also takes "+5" and "-0".
                    guard QueryParameters.isDecimal(text.prefix { $0 != ":" }) else {
                        throw LedgerError(.usage, "invalid digest '\(text)': expected POSITION:HASH with POSITION in decimal digits and 64 hex digits")
                    }
                    return try Digest(parsing: text)
                }
            } catch let error as LedgerError {
                throw APIError.badRequest("query parameter 'against': \(error.message)", parameter: "against")
            }
            let report = try await services.read { connection throws(LedgerError) in
                do {
                    return try await Verifier(store: EventStore(connection: connection)).verify(against: against)
                } catch let error as LedgerError {
                    throw error
                } catch {
                    throw LedgerError(.internal, "verify failed: \(error)")
                }
            }
            return JSONResponse.make(report.json)
        }

        router.get("/v1/digest") { request, context -> Response in
            try context.require(.admin)
            _ = try QueryParameters(request, allowed: [])
            let head = try await services.read { connection throws(LedgerError) in
                try await EventStore(connection: connection).head()
            } ?? Digest(position: 0, hash: ChainHasher.genesis)
            return JSONResponse.make("{\"position\":\(head.position),\"hash\":\"\(Hex.encode(head.hash))\",\"digest\":\"\(head)\"}")
        }

        router.get("/v1/projections") { request, context -> Response in
            try context.require(.admin)
            _ = try QueryParameters(request, allowed: [])
            // The primary's view: the projector and rebuilds move the checkpoints there.
            let statuses = try await services.readPrimary { connection throws(LedgerError) in
                try await Projector(connection: connection).status()
            }
            let rebuilding = await services.rebuilds.current
            let running = rebuilding.map { "[" + $0.map(JSONValue.quoted).joined(separator: ",") + "]" } ?? "null"
            return JSONResponse.make("{\"projections\":[\(statuses.map(\.json).joined(separator: ","))],\"rebuilding\":\(running)}")
        }

        router.post("/v1/projections/rebuild") { request, context -> Response in
            try context.require(.admin)
            let query = try QueryParameters(request, allowed: ["names"])
            // Empty pieces are kept, so that "counts," or "," is refused as a
            // list with an empty name instead of being read as "all".
            let requested = try query.string("names").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? []
            let names: [String]
            do throws(LedgerError) {
                names = try Projector.validate(requested)
            } catch {
                throw APIError.badRequest("query parameter 'names': \(error.message)", parameter: "names")
            }
            guard await services.rebuilds.start(names) else {
                throw APIError(.conflict, "rebuildRunning", "a rebuild is already running; follow it at GET /v1/projections")
            }
            let list = names.map(JSONValue.quoted).joined(separator: ",")
            return JSONResponse.make(status: .accepted, "{\"rebuilding\":[\(list)],\"status\":\"/v1/projections\"}")
        }
    }
}
