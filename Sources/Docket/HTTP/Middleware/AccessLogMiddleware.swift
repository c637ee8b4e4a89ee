import Hummingbird
import Logging
import NIOCore

/// Writes one log line per request: method, route template, status and duration.
/// Successful probe and metrics requests are logged at debug, so orchestrator polling does not flood the logs.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = DocketRequestContext
    /// The level access lines are written at.
    let level: Logger.Level
    static let quietRoutes: Set<String> = ["/health", "/ready", "/metrics"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = NIODeadline.now()
        let response = try await next(request, context)
        let route = context.endpointPath ?? "unmatched"
        let level = response.status.code < 400 && Self.quietRoutes.contains(route) ? .debug : self.level
        guard context.logger.logLevel <= level else { return response }
        let elapsed = Double((NIODeadline.now() - start).nanoseconds) / 1_000_000
        context.logger.log(
            level: level,
            "request completed",
            metadata: [
                "method": .string(request.method.rawValue),
                "route": .string(route),
                "status": .stringConvertible(response.status.code),
                "duration_ms": .stringConvertible((elapsed * 1000).rounded() / 1000),
            ]
        )
        return response
    }
}
