import Hummingbird
import Instrumentation
import Tracing

/// Starts a server span for each request — continuing the caller's trace from `traceparent` — names it by route
/// template once routing is done (`GET /api/v1/tasks/{id}`), and tags the request's log lines with its trace ID.
struct TracingMiddleware: RouterMiddleware {
    typealias Context = DocketRequestContext
    let tracing: RequestTracing

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var parent = InstrumentationContext.topLevel
        tracing.tracer.extract(request.headers, into: &parent, using: HTTPFieldsExtractor())
        let span = tracing.tracer.startSpan(request.method.rawValue, context: parent, ofKind: .server)
        defer { span.end() }
        var context = context
        if let traceID = tracing.traceID(span.context) { context.logger[metadataKey: "trace_id"] = .string(traceID) }
        span.updateAttributes { attributes in
            attributes["http.request.method"] = request.method.rawValue
            attributes["url.path"] = request.uri.path
            attributes["docket.request_id"] = context.requestID
            if let address = context.remoteAddress { attributes["client.address"] = address }
        }
        do {
            let response = try await InstrumentationContext.$current.withValue(span.context) { try await next(request, context) }
            finish(span, method: request.method.rawValue, route: context.endpointPath, status: Int(response.status.code))
            return response
        } catch {
            span.recordError(error)
            finish(span, method: request.method.rawValue, route: context.endpointPath, status: nil)
            throw error
        }
    }

    private func finish(_ span: any Span, method: String, route: String?, status: Int?) {
        if let route {
            span.operationName = "\(method) \(route)"
            span.attributes["http.route"] = route
        }
        if let status {
            span.attributes["http.response.status_code"] = status
            if status >= 500 { span.setStatus(SpanStatus(code: .error)) }
        } else {
            span.setStatus(SpanStatus(code: .error))
        }
    }
}
