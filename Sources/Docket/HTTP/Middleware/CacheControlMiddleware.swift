import HTTPTypes
import Hummingbird

/// `Cache-Control: no-store` on every response that may carry a token or someone's data (the API, `/mcp`, the
/// health and metrics endpoints, and every error), unless a handler chose otherwise; the public contract documents
/// and the docs page's assets may be cached for a while.
struct CacheControlMiddleware: RouterMiddleware {
    typealias Context = DocketRequestContext
    static let publicPaths: Set<String> = ["/openapi.yaml", "/openapi.json", "/asyncapi.yaml", "/docs", "/.well-known/jwks.json"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        guard response.headers[.cacheControl] == nil else { return response }
        let path = request.uri.path
        let cacheable = response.status == .ok && (Self.publicPaths.contains(path) || path.hasPrefix("/docs/assets/"))
        response.headers[.cacheControl] = cacheable ? (path.hasPrefix("/docs/assets/") ? "public, max-age=86400" : "public, max-age=300") : "no-store"
        return response
    }
}
