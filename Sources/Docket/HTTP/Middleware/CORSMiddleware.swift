import HTTPTypes
import Hummingbird

/// CORS for an explicit allow-list of origins: answers preflights, marks allowed responses, never allows credentials
/// (Docket authenticates with bearer tokens, not cookies) and never answers `*`.
struct DocketCORSMiddleware: RouterMiddleware {
    typealias Context = DocketRequestContext
    let allowedOrigins: Set<String>
    static let methods = "GET, POST, PATCH, DELETE"
    static let requestHeaders = "Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key, X-Request-ID"
    static let exposedHeaders = "ETag, Location, X-Request-ID, Retry-After, RateLimit, RateLimit-Policy, WWW-Authenticate"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin] else { return try await next(request, context) }
        let allowed = allowedOrigins.contains(origin)
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            guard allowed else {
                let error = AppError(.forbidden, "Origin \(origin) may not call this API; set DOCKET_CORS_ORIGINS to allow it.")
                return ProblemDocument.response(for: error, instance: request.uri.path, requestID: context.requestID)
            }
            return Response(
                status: .noContent,
                headers: [
                    .accessControlAllowOrigin: origin, .vary: "Origin", .accessControlAllowMethods: Self.methods,
                    .accessControlAllowHeaders: Self.requestHeaders, .accessControlMaxAge: "600",
                ])
        }
        var response = try await next(request, context)
        if allowed {
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
            response.headers[values: .vary].append("Origin")
        }
        return response
    }
}
