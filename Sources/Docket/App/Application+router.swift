import DocketAPI
import Hummingbird
import OpenAPIHummingbird
import OpenAPIRuntime

/// Builds the router: middleware in order (outermost first), then every operation of the contract, then `/mcp`.
func buildRouter(
    config: DocketConfig, endpoints: Endpoints, metrics: DocketMetrics, tracing: RequestTracing?, requestIDs: RequestIDGenerator
) throws
    -> Router<DocketRequestContext>
{
    let recorder = RouteRecorder()
    try endpoints.api.registerHandlers(on: recorder)
    let routes = recorder.routes + [(.post, "/mcp"), (.get, "/mcp"), (.delete, "/mcp")]
    let classifier = ErrorClassifier(routes: RouteTable(routes), maxBodyBytes: config.maxBodyBytes)

    let router = Router(context: DocketRequestContext.self)
    router.add(middleware: RequestIDMiddleware(generator: requestIDs))
    router.add(
        middleware: ClientAddressMiddleware(
            address: ClientAddress(trustedProxies: config.server.trustedProxies), servesTLS: config.server.tlsCertificateFile != nil))
    if let tracing { router.add(middleware: TracingMiddleware(tracing: tracing)) }
    if config.server.metricsEnabled { router.add(middleware: MetricsMiddleware(metrics: metrics)) }
    router.add(middleware: AccessLogMiddleware(level: .info))
    router.add(middleware: SecurityHeadersMiddleware(docsInlineScript: ContractDocuments.inlineScript))
    router.add(middleware: DocsSlashRedirectMiddleware())
    router.add(middleware: CacheControlMiddleware())
    router.add(middleware: DocketCORSMiddleware(allowedOrigins: config.server.corsOrigins))
    router.add(middleware: ProblemMiddleware(classifier: classifier))
    router.add(middleware: ResponseHeaderMiddleware())
    router.add(middleware: BodyLimitMiddleware(maxBytes: config.maxBodyBytes))
    router.add(middleware: ContractValidationMiddleware(rules: endpoints.api.documents.rules))
    router.add(middleware: RequestScopeMiddleware())
    // Keys in a stable (sorted) order, so responses can be diffed and cached: Foundation's encoder otherwise emits an
    // object's keys in a different order from one response to the next.
    try endpoints.api.registerHandlers(
        on: GeneratedRoutes(router: router),
        configuration: Configuration(dateTranscoder: ISO8601Transcoder(), jsonEncodingOptions: [.sortedKeys]))
    HotRoutes.register(on: router, api: endpoints.api)
    endpoints.mcp.register(on: router)
    return router
}
