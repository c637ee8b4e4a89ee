import HTTPTypes
import OpenAPIRuntime

/// The contract's routes (method and path template), used to tell 405 from 404.
struct RouteTable: Sendable {
    private let routes: [(method: HTTPRequest.Method, segments: [Substring])]

    init(_ routes: [(method: HTTPRequest.Method, path: String)]) {
        self.routes = routes.map { ($0.method, $0.path.split(separator: "/")) }
    }

    /// Methods registered for a path, when the path matches a template at all. Like the router, the most specific
    /// template wins: `/api/v1/tasks/import` answers for its own methods, not for those of `/api/v1/tasks/{id}`.
    func allowedMethods(forPath path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/")
        let matches = routes.filter { route in
            route.segments.count == segments.count
                && zip(route.segments, segments).allSatisfy { template, actual in template.hasPrefix("{") || template == actual }
        }
        let literals = { (route: (method: HTTPRequest.Method, segments: [Substring])) in route.segments.count { !$0.hasPrefix("{") } }
        let mostSpecific = matches.map(literals).max()
        return matches.filter { literals($0) == mostSpecific }.map(\.method)
    }
}
