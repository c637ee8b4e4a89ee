import Hummingbird
import NIOCore

/// Counts requests and their durations by method, route template and status, and tracks requests in flight.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = DocketRequestContext
    let metrics: DocketMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = NIODeadline.now()
        metrics.requestsInFlight.increment()
        defer { metrics.requestsInFlight.decrement() }
        let response = try await next(request, context)
        metrics.requestCompleted(
            method: request.method.rawValue, route: context.endpointPath ?? "unmatched", status: Int(response.status.code),
            nanoseconds: (NIODeadline.now() - start).nanoseconds)
        return response
    }
}
