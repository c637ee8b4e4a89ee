import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Answers a plain `GET /health` before the middleware chain, with the same body and headers the chain would give it
/// (request ID, security headers, `Cache-Control`), and hands every other request to the router. A request the chain
/// treats differently — an `Origin` (CORS), a forwarded scheme (HSTS), a query — and any request while access lines
/// for probes would be written (debug logging) or traced still goes through the chain.
struct HealthFastPath<Fallback: HTTPResponder<DocketRequestContext>>: HTTPResponder {
    typealias Context = DocketRequestContext
    let fallback: Fallback
    let requestIDs: RequestIDGenerator
    let metrics: DocketMetrics?
    /// False when TLS or tracing is on, or probes are logged: then the chain answers every request.
    let enabled: Bool
    private let body: ByteBuffer
    private let headers: HTTPFields

    init(fallback: Fallback, requestIDs: RequestIDGenerator, metrics: DocketMetrics?, enabled: Bool) {
        self.fallback = fallback
        self.requestIDs = requestIDs
        self.metrics = metrics
        self.enabled = enabled
        self.body = ByteBuffer(string: #"{"status":"ok","version":"\#(DocketVersion.current)"}"#)
        self.headers = [
            .contentType: "application/json; charset=utf-8", .contentLength: String(body.readableBytes), .cacheControl: "no-store",
            .xContentTypeOptions: "nosniff", .xFrameOptions: "DENY", .referrerPolicy: "no-referrer",
            .contentSecurityPolicy: SecurityHeadersMiddleware.apiPolicy,
        ]
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        guard enabled, request.method == .get, request.uri.string == "/health", request.headers[.origin] == nil,
            request.headers[.xForwardedProto] == nil
        else { return try await fallback.respond(to: request, context: context) }
        let start = metrics == nil ? nil : NIODeadline.now()
        var headers = self.headers
        headers[.xRequestID] = request.headers[.xRequestID].flatMap(RequestIDMiddleware.acceptable) ?? requestIDs.next()
        if let metrics, let start { metrics.healthAnswered(nanoseconds: (NIODeadline.now() - start).nanoseconds) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }
}
