import HTTPTypes
import OpenAPIRuntime

/// A transport that only records what the generated `registerHandlers` would register.
final class RouteRecorder: ServerTransport, @unchecked Sendable {
    private(set) var routes: [(method: HTTPRequest.Method, path: String)] = []

    func register(
        _ handler: @escaping @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?),
        method: HTTPRequest.Method,
        path: String
    ) throws {
        routes.append((method, path))
    }
}
