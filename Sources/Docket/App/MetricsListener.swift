import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The separate listener of `DOCKET_METRICS_ADDRESS`: it serves `GET /metrics` and nothing else, so Prometheus can
/// scrape it on a network clients never reach.
func metricsListener(settings: ServerSettings, metrics: DocketMetrics, logger: Logger) -> (any Service)? {
    guard settings.metricsEnabled, let address = settings.metricsAddress else { return nil }
    let router = Router()
    router.get("/metrics") { _, _ -> Response in
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: metrics.render())))
    }
    var listenerLogger = logger
    listenerLogger[metadataKey: "listener"] = "metrics"
    return Application(
        router: router, configuration: .init(address: .hostname(address.host, port: address.port), serverName: nil), logger: listenerLogger)
}
