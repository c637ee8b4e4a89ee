import Hummingbird

/// Publishes the request context to generated handlers through `RequestScope`; added last so it sees every edit.
struct RequestScopeMiddleware: RouterMiddleware {
    typealias Context = DocketRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await RequestScope.$context.withValue(context) {
            try await next(request, context)
        }
    }
}
