import Hummingbird
import Logging
import NIOCore

/// Writes one log line per request: method, route template, status and duration.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = DocketRequestContext
    /// The level access lines are written at.
    let level: Logger.Level

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = NIODeadline.now()
        let response = try await next(request, context)
        let elapsed = Double((NIODeadline.now() - start).nanoseconds) / 1_000_000
        context.logger.log(
            level: level,
            "request completed",
            metadata: [
                "method": .string(request.method.rawValue),
                "route": .string(context.endpointPath ?? "unmatched"),
                "status": .stringConvertible(response.status.code),
                "duration_ms": .stringConvertible((elapsed * 1000).rounded() / 1000),
            ]
        )
        return response
    }
}
