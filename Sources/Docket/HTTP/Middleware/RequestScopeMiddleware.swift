import Hummingbird

/// Publishes the request context and head to generated handlers through `RequestScope`; added last so it sees every edit.
struct RequestScopeMiddleware: RouterMiddleware {
    typealias Context = DocketRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await RequestScope.$current.withValue(ScopedRequest(context: context, head: request.head)) {
            try await next(request, context)
        }
    }
}
