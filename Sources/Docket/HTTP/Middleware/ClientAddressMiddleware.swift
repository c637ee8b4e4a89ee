import HTTPTypes
import Hummingbird

/// Works out who the client is: the socket peer, or, when the peer is a trusted proxy, the right-most untrusted
/// address of `X-Forwarded-For`; and whether the original request was HTTPS (`X-Forwarded-Proto` from a trusted proxy).
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = DocketRequestContext
    let trustedProxies: [IPRange]
    let servesTLS: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.isHTTPS = servesTLS
        if let peer = context.remoteAddress, isTrusted(peer) {
            if let forwarded = request.headers[values: .xForwardedFor].last {
                let hops = request.headers[values: .xForwardedFor].flatMap { $0.split(separator: ",") }
                    .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                context.remoteAddress = hops.reversed().first { !isTrusted($0) } ?? hops.first ?? forwarded
            }
            if request.headers[.xForwardedProto]?.lowercased() == "https" { context.isHTTPS = true }
        }
        return try await next(request, context)
    }

    private func isTrusted(_ address: String) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }
}
