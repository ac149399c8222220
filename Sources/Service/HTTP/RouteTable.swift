import Hummingbird

/// The methods each route path answers, so that a known path asked with
/// another method gets `405 Method Not Allowed` with `Allow` (Hummingbird's
/// router answers 404 for it, as for a path it does not know).
struct RouteTable: Sendable {
    private enum Segment: Sendable, Equatable {
        case literal(Substring)
        /// `{name}` or `*`: any one segment.
        case any
        /// `**`: the rest of the path.
        case rest
    }

    private var routes: [(segments: [Segment], methods: [HTTPRequest.Method])] = []

    init(_ descriptions: [Router<LedgerRequestContext>.RouteDescription]) {
        for description in descriptions {
            let segments = description.path.description.split(separator: "/").map { element -> Segment in
                if element == "**" { return .rest }
                if element == "*" || (element.first == "{" && element.last == "}") || element.first == ":" { return .any }
                return .literal(element)
            }
            if let index = routes.firstIndex(where: { $0.segments == segments }) {
                routes[index].methods.append(description.method)
            } else {
                routes.append((segments, [description.method]))
            }
        }
    }

    /// The methods `path` answers (empty for a path no route matches), sorted by name.
    func methods(for path: String) -> [HTTPRequest.Method] {
        let parts = path.split(separator: "/")
        var methods: Set<String> = []
        var found: [HTTPRequest.Method] = []
        for route in routes where Self.matches(route.segments, parts) {
            for method in route.methods where methods.insert(method.rawValue).inserted { found.append(method) }
        }
        return found.sorted { $0.rawValue < $1.rawValue }
    }

    private static func matches(_ segments: [Segment], _ parts: [Substring]) -> Bool {
        for (index, segment) in segments.enumerated() {
            switch segment {
            case .rest: return true
            case .any: guard index < parts.count else { return false }
            case .literal(let text): guard index < parts.count, parts[index] == text else { return false }
            }
        }
        return segments.count == parts.count
    }
}
