import HTTPTypes
import Instrumentation
import Logging
import ServiceLifecycle
import Tracing

/// Request tracing: the tracer that makes spans, how to read a span's trace ID for log lines, and the background
/// services that export finished spans. Absent (nil) when tracing is off.
public struct RequestTracing: Sendable {
    /// Makes the server span of each request and the spans of database operations inside it.
    let tracer: any Tracer
    /// The trace ID of a span's context, as lowercase hex, for the `trace_id` of log lines.
    let traceID: @Sendable (InstrumentationContext) -> String?
    /// Run next to the HTTP server; they flush spans on shutdown.
    let services: [any Service]

    /// Tracing through `tracer`; `services` export what it records.
    init(tracer: any Tracer, traceID: @escaping @Sendable (InstrumentationContext) -> String?, services: [any Service]) {
        self.tracer = tracer
        self.traceID = traceID
        self.services = services
    }

    /// Whether this build can export traces (it was built with the `OpenTelemetry` package trait).
    public static var exportBuiltIn: Bool {
        #if OpenTelemetry
            true
        #else
            false
        #endif
    }

    /// Tracing as `settings` ask for it: nil when no endpoint is set, or when this build cannot export (logged as a
    /// warning, since the server is still useful without traces).
    public static func make(_ settings: TracingSettings, logger: Logger) throws -> RequestTracing? {
        guard settings.endpoint != nil else { return nil }
        #if OpenTelemetry
            return try .otlp(settings, logger: logger)
        #else
            logger.warning(
                "Trace export is configured but this build has no OTLP exporter; rebuild with --traits OpenTelemetry",
                metadata: ["endpoint": .string(settings.endpoint ?? "")])
            return nil
        #endif
    }
}
