#if OpenTelemetry
    import Logging
    import OTel

    extension RequestTracing {
        /// Spans exported over OTLP/HTTP by swift-otel's batch processor. Only traces: logs stay JSON lines on stdout and
        /// metrics stay on `/metrics`. Other `OTEL_*` variables of the process environment (sampler, batching, timeouts,
        /// TLS files) still apply.
        static func otlp(_ settings: TracingSettings, logger: Logger) throws -> RequestTracing {
            var configuration = OTel.Configuration.default
            configuration.serviceName = settings.serviceName
            configuration.logs.enabled = false
            configuration.metrics.enabled = false
            configuration.diagnosticLogger = .custom(logger)
            configuration.diagnosticLogLevel = .warning
            configuration.traces.exporter = .otlp
            if let endpoint = settings.endpoint { configuration.traces.otlpExporter.endpoint = endpoint }
            configuration.traces.otlpExporter.protocol = settings.encoding == .json ? .httpJSON : .httpProtobuf
            configuration.traces.otlpExporter.headers = settings.headers.map { ($0.name, $0.value) }
            let backend = try OTel.makeTracingBackend(configuration: configuration)
            return RequestTracing(tracer: backend.factory, traceID: { $0.otelTraceID }, services: [backend.service])
        }
    }
#endif
