import CoreMetrics
import Foundation
import Prometheus
import Synchronization
import Tracing

/// Docket's metrics, made through swift-metrics with an explicit Prometheus factory (no process-wide bootstrap),
/// so every application instance (and every test) has its own registry. When given a tracer, the database operations
/// it times are also recorded as client spans of the request being served.
public final class DocketMetrics: Sendable {
    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let requestSeries = Mutex<[RequestSeries: RequestSeriesMetrics]>([:])
    private let labelledCounters = Mutex<[String: CoreMetrics.Counter]>([:])
    private let queryTimers = Mutex<[String: CoreMetrics.Timer]>([:])
    /// Requests being served right now.
    let requestsInFlight: Meter
    /// Password hashes being computed or waiting right now.
    let hashesInFlight: Meter
    /// Log lines dropped because the log buffer was full.
    public let logLinesDropped: CoreMetrics.Counter
    /// Records database operations as spans when tracing is on.
    private let tracer: (any Tracer)?

    /// Metrics recorded into `registry`; database spans go to `tracer` when there is one.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), tracer: (any Tracer)? = nil) {
        self.registry = registry
        self.tracer = tracer
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
        ]
        self.factory = factory
        self.requestsInFlight = Meter(label: "http_requests_in_flight", dimensions: [], factory: factory)
        self.hashesInFlight = Meter(label: "password_hashes_in_flight", dimensions: [], factory: factory)
        self.logLinesDropped = Counter(label: "docket_log_lines_dropped_total", dimensions: [], factory: factory)
    }

    /// Counts a finished request and records its duration, labelled by route template. The counter and timer of each
    /// label set are made once and found again with one lookup under one lock.
    func requestCompleted(method: String, route: String, status: Int, nanoseconds: Int64) {
        let key = RequestSeries(method: method, route: route, status: status)
        let series = requestSeries.withLock { known in
            if let existing = known[key] { return existing }
            let timerKey = "\(method) \(route)"
            let timer =
                known.values.first { $0.timerKey == timerKey }?.timer
                ?? Timer(label: "http_request_duration_seconds", dimensions: [("method", method), ("route", route)], factory: factory)
            let made = RequestSeriesMetrics(
                counter: Counter(
                    label: "http_requests_total", dimensions: [("method", method), ("route", route), ("status", String(status))],
                    factory: factory),
                timer: timer, timerKey: timerKey)
            known[key] = made
            return made
        }
        series.counter.increment()
        series.timer.recordNanoseconds(nanoseconds)
    }

    /// Counts a `GET /health` answered before the middleware chain, as the chain would have counted it.
    func healthAnswered(nanoseconds: Int64) {
        requestCompleted(method: "GET", route: "/health", status: 200, nanoseconds: nanoseconds)
    }

    /// Counts an authentication failure by reason (`bad_signature`, `expired`, `invalid_credentials`, …).
    func authFailure(reason: String) { count("auth_failures_total", ("reason", reason)) }

    /// Counts a request refused by a rate limit.
    func rateLimited(bucket: String) { count("rate_limit_rejections_total", ("bucket", bucket)) }

    /// Counts refresh-token families revoked (logout, reuse detection, sign-out everywhere).
    func familyRevoked(cause: String) { count("token_family_revocations_total", ("cause", cause)) }

    /// Counts a job attempt's outcome (`succeeded`, `failed`, `cancelled`, `retried`, `released`, `lease_lost`).
    func jobRun(kind: String, outcome: String) { count("jobs_runs_total", ("kind", kind), ("outcome", outcome)) }

    /// Sets the queue gauges: queued jobs per kind and the age of the oldest (zero for kinds with nothing queued).
    func jobQueue(kinds: [String], depths: [(kind: String, count: Int, oldestAgeSeconds: Double)]) {
        for kind in Set(kinds).union(depths.map(\.kind)) {
            let depth = depths.first { $0.kind == kind }
            registry.makeGauge(name: "jobs_queued", labels: [("kind", kind)]).set(Double(depth?.count ?? 0))
            registry.makeGauge(name: "jobs_oldest_queued_age_seconds", labels: [("kind", kind)]).set(depth?.oldestAgeSeconds ?? 0)
        }
    }

    /// Counts events the relay published to the broker, and failed publish rounds.
    func relayPublished(_ count: Int) { registry.makeCounter(name: "event_relay_published_total").increment(by: Int64(count)) }
    func relayFailed() { count("event_relay_failures_total") }

    /// Sets the relay gauges: events in the outbox not yet on the broker, and whether that passed the alert bound.
    func relayBacklog(_ events: Int, limit: Int) {
        registry.makeGauge(name: "event_relay_backlog_events").set(Double(events))
        registry.makeGauge(name: "event_relay_backlog_exceeded").set(Double(events > limit ? 1 : 0))
    }

    /// Counts a message a consumer handled (`applied`, `duplicate`, `failed`, `dead_lettered`).
    func consumed(consumer: String, outcome: String) { count("consumer_messages_total", ("consumer", consumer), ("outcome", outcome)) }

    /// Sets a consumer's lag: messages it has not finished, and the age of the newest event it applied when behind.
    func consumerLag(consumer: String, events: Int, seconds: Double) {
        registry.makeGauge(name: "consumer_lag_events", labels: [("consumer", consumer)]).set(Double(events))
        registry.makeGauge(name: "consumer_lag_seconds", labels: [("consumer", consumer)]).set(seconds)
    }

    /// Sets how many dead letters wait for an operator, per consumer.
    func deadLetters(consumer: String, count: Int) {
        registry.makeGauge(name: "consumer_dead_letters", labels: [("consumer", consumer)]).set(Double(count))
    }

    /// Counts an MCP tool call by tool and outcome and records its duration.
    func toolCall(tool: String, outcome: String, duration: Duration) {
        count("mcp_tool_calls_total", ("tool", tool), ("outcome", outcome))
        timer("mcp_tool_call_duration_seconds", ("tool", tool))
            .recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// Records how long a database operation took.
    func queryDuration(_ operation: String, nanoseconds: Int64) {
        timer("database_query_duration_seconds", ("operation", operation)).recordNanoseconds(nanoseconds)
    }

    /// The timer `name` with one label, made on first use.
    private func timer(_ name: String, _ label: (String, String)) -> CoreMetrics.Timer {
        let key = "\(name) \(label.1)"
        return queryTimers.withLock { timers in
            if let existing = timers[key] { return existing }
            let made = Timer(label: name, dimensions: [label], factory: factory)
            timers[key] = made
            return made
        }
    }

    /// Runs `body`, recording its duration as database operation `operation` (and a `db <operation>` span when tracing).
    func timed<Value>(_ operation: String, _ body: () async throws -> Value) async rethrows -> Value {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { queryDuration(operation, nanoseconds: Int64(DispatchTime.now().uptimeNanoseconds - start)) }
        guard let tracer, let parent = InstrumentationContext.current else { return try await body() }
        let span = tracer.startSpan("db \(operation)", context: parent, ofKind: .client)
        defer { span.end() }
        span.attributes["db.operation.name"] = operation
        do {
            return try await body()
        } catch {
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error))
            throw error
        }
    }

    /// Increments the counter `name` with these labels, made on first use.
    private func count(_ name: String, _ labels: (String, String)...) {
        let key = ([name] + labels.map(\.1)).joined(separator: " ")
        let counter = labelledCounters.withLock { counters in
            if let existing = counters[key] { return existing }
            let made = Counter(label: name, dimensions: labels, factory: factory)
            counters[key] = made
            return made
        }
        counter.increment()
    }

    /// The Prometheus text exposition of every metric.
    public func render() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}

/// The labels of one `http_requests_total` series.
struct RequestSeries: Hashable {
    let method: String
    let route: String
    let status: Int
}

/// The counter of one request series and the duration timer it shares with the other statuses of its route.
struct RequestSeriesMetrics: Sendable {
    let counter: CoreMetrics.Counter
    let timer: CoreMetrics.Timer
    let timerKey: String
}
