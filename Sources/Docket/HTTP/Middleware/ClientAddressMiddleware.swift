import HTTPTypes
import Hummingbird

/// Works out who the client is (`ClientAddress`), and whether the original request was HTTPS (`X-Forwarded-Proto`
/// from a trusted proxy).
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = DocketRequestContext
    let address: ClientAddress
    let servesTLS: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.isHTTPS = servesTLS
        if let peer = context.remoteAddress, address.isTrusted(peer) {
            context.remoteAddress = address.resolve(peer: peer, forwardedFor: request.headers[values: .xForwardedFor])
            if request.headers[.xForwardedProto]?.lowercased() == "https" { context.isHTTPS = true }
        }
        return try await next(request, context)
    }
}
