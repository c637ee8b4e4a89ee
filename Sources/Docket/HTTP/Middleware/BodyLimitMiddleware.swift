import Hummingbird

/// Refuses request bodies over the configured size with 413, before any handler reads them.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = DocketRequestContext
    let maxBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        if let declared, declared > maxBytes { throw HTTPError(.contentTooLarge) }
        guard declared != nil || request.headers[.transferEncoding] != nil else {
            return try await next(request, context)
        }
        var request = request
        var context = context
        let buffer = try await request.collectBody(upTo: maxBytes)
        request.body = .init(buffer: buffer)
        context.collectedBody = buffer
        return try await next(request, context)
    }
}
