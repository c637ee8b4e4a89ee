import HTTPTypes
import Hummingbird

/// `GET /docs/` answers 308 to `../docs`: the router would serve the docs page there too, but its relative asset links
/// and its Content-Security-Policy are for `/docs`, so the page stayed blank. The relative target keeps working behind
/// a proxy that serves Docket under a path prefix.
struct DocsSlashRedirectMiddleware: RouterMiddleware {
    typealias Context = DocketRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path == "/docs/", request.method == .get || request.method == .head else { return try await next(request, context) }
        return Response(status: .permanentRedirect, headers: [.location: "../docs", .cacheControl: "no-store"])
    }
}
