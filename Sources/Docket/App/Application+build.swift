import DocketAPI
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOSSL
import OpenAPIHummingbird
import OpenAPIRuntime
import ServiceLifecycle

/// Builds the whole application from its configuration (`App/` is the only place that knows every concrete type);
/// lines `logSink` drops are counted in the metrics.
public func buildApplication(config: DocketConfig, logger: Logger, logSink: LogSink? = nil) async throws -> some ApplicationProtocol {
    let database = try DocketDatabase(
        location: config.database, poolSize: config.databasePoolSize, poolTimeout: .milliseconds(Int64(config.databasePoolTimeoutMilliseconds)),
        logger: logger)
    let mailer: any Mailer =
        if let smtp = config.smtp {
            try SMTPMailer(settings: smtp, logger: logger)
        } else {
            OutboxFileMailer(dataDirectory: config.dataDirectory, logger: logger)
        }
    let tracing = try RequestTracing.make(config.tracing, logger: logger)
    let metrics = DocketMetrics(tracer: tracing?.tracer)
    logSink?.countDrops(in: metrics.logLinesDropped)
    return try await buildApplication(config: config, database: database, mailer: mailer, metrics: metrics, tracing: tracing, logger: logger)
}

/// Builds the application around an already opened database, a mailer, a metrics registry and optional tracing
/// (tests keep handles on all of them).
func buildApplication(
    config: DocketConfig, database: DocketDatabase, mailer: any Mailer, metrics: DocketMetrics, tracing: RequestTracing? = nil,
    logger: Logger
) async throws -> some ApplicationProtocol {
    let hasher = PasswordHasher(
        parameters: config.auth.argon2, concurrency: config.auth.hashConcurrency, queueLimit: config.auth.hashQueueLimit, metrics: metrics)
    let jobSignal = WakeSignal()
    let jobGate = StartGate()
    let events = EventComponents(config: config, database: database, jobSignal: jobSignal)
    let broker = try config.broker.map { try RedisEventBroker(settings: $0, logger: logger) }
    let endpoints = try await buildHandler(
        config: config, database: database, hasher: hasher, mailer: mailer, metrics: metrics, jobSignal: jobSignal, events: events,
        logger: logger)
    let requestIDs = RequestIDGenerator()
    let router = try buildRouter(config: config, endpoints: endpoints, metrics: metrics, tracing: tracing, requestIDs: requestIDs)
    let responder = HealthFastPath(
        fallback: router.buildResponder(), requestIDs: requestIDs, metrics: config.server.metricsEnabled ? metrics : nil,
        enabled: config.server.tlsCertificateFile == nil && tracing == nil && logger.logLevel > .debug)
    let scheme = config.server.tlsCertificateFile == nil ? "http" : "https"
    var app = Application(
        responder: responder,
        server: try serverBuilder(config.server, heartbeat: config.events.heartbeat, eventSocket: endpoints.eventSocket),
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: nil),
        // Services stop in reverse order: the job worker and the purger before the database closes.
        services: [database, hasher] as [any Service] + maintenance(config: config, database: database, logger: logger)
            + eventListeners(config: config, hub: events.hub, logger: logger)
            + eventTransport(config: config, database: database, events: events, broker: broker, metrics: metrics, gate: jobGate, logger: logger)
            + (try jobWorkers(
                config: config, database: database, mailer: mailer, signal: jobSignal, gate: jobGate, events: events, broker: broker,
                metrics: metrics,
                accountChanged: endpoints.accountChanged, exportLinks: endpoints.exportLinks, logger: logger))
            + [endpoints.mcp.sessions]
            + (tracing?.services ?? [])
            + [metricsListener(settings: config.server, metrics: metrics, logger: logger)].compactMap { $0 },
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? config.port
            logger.notice(
                "Docket is listening",
                metadata: [
                    "url": .string("\(scheme)://\(config.host):\(port)"),
                    "docs": .string("\(scheme)://\(config.host):\(port)/docs"),
                    "database": .string(config.database.redacted),
                ]
            )
        },
        logger: logger
    )
    app.beforeServerStarts {
        if config.autoMigrate {
            try await database.migrateUp()
        } else {
            try await database.configureConnections()
        }
        jobGate.open()
    }
    return app
}

/// Background upkeep next to the server: the expired-row purger, unless turned off.
func maintenance(config: DocketConfig, database: DocketDatabase, logger: Logger) -> [any Service] {
    guard config.purgeInterval > .zero else { return [] }
    let bucketIdle = max(config.auth.ipLimit.periodSeconds, config.auth.accountLimit.periodSeconds)
    return [
        ExpiredRowPurger(
            database: database, interval: config.purgeInterval, bucketIdleSeconds: bucketIdle,
            activityRetentionDays: config.mcp.activityRetentionDays, eventRetentionDays: config.events.retentionDays,
            auditRetentionDays: config.auth.auditRetentionDays, logger: logger)
    ]
}

/// On PostgreSQL, this node's one listener for commits on other nodes (SQLite has one process, whose commits wake the
/// feeds directly).
func eventListeners(config: DocketConfig, hub: EventHub, logger: Logger) -> [any Service] {
    guard case .postgres(let url) = config.database else { return [] }
    return [PostgresEventListener(url: url, hub: hub, logger: logger)]
}

/// HTTP/1.1 with idle and header-size limits and the upgrade of `/api/v1/events/ws` to WebSocket (pinged every
/// `heartbeat`), wrapped in TLS when a certificate is configured.
func serverBuilder(_ settings: ServerSettings, heartbeat: Duration, eventSocket: EventSocketEndpoint) throws -> HTTPServerBuilder {
    let configuration = HTTP1WebSocketUpgradeChannel.Configuration(
        http1: .init(
            idleTimeout: .seconds(Int64(settings.idleTimeoutSeconds)),
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: settings.maxHeaderBytes, maxHeaderListSize: settings.maxHeaderBytes, maxHeaderFieldCount: 100)),
        ws: .init(maxFrameSize: 1 << 16, autoPing: .enabled(timePeriod: heartbeat))
    )
    // The upgrading channel times out idle connections only after the first request head; the deadline covers that head.
    let http = HTTPServerBuilder { responder in
        FirstRequestDeadline(
            base: HTTP1WebSocketUpgradeChannel(
                responder: responder, configuration: configuration,
                shouldUpgrade: { request, channel, logger in eventSocket.shouldUpgrade(request, channel: channel, logger: logger) }),
            timeout: .seconds(Int64(settings.idleTimeoutSeconds)))
    }
    guard let certificateFile = settings.tlsCertificateFile, let keyFile = settings.tlsKeyFile else { return http }
    let certificates = try NIOSSLCertificate.fromPEMFile(certificateFile).map { NIOSSLCertificateSource.certificate($0) }
    let tls = TLSConfiguration.makeServerConfiguration(certificateChain: certificates, privateKey: .file(keyFile))
    return try .tls(http, tlsConfiguration: tls)
}
