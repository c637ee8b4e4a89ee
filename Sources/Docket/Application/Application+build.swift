import DocketAPI
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import OpenAPIHummingbird
import OpenAPIRuntime
import ServiceLifecycle

/// Builds the whole application from its configuration; the only place that knows every concrete type.
public func buildApplication(config: DocketConfig, logger: Logger) async throws -> some ApplicationProtocol {
    let database = try DocketDatabase(location: config.database, poolSize: config.databasePoolSize, logger: logger)
    let mailer = OutboxFileMailer(dataDirectory: config.dataDirectory, logger: logger)
    let tracing = try RequestTracing.make(config.tracing, logger: logger)
    return try await buildApplication(
        config: config, database: database, mailer: mailer, metrics: DocketMetrics(tracer: tracing?.tracer), tracing: tracing,
        logger: logger)
}

/// Builds the application around an already opened database, a mailer, a metrics registry and optional tracing
/// (tests keep handles on all of them).
func buildApplication(
    config: DocketConfig, database: DocketDatabase, mailer: any Mailer, metrics: DocketMetrics, tracing: RequestTracing? = nil,
    logger: Logger
) async throws -> some ApplicationProtocol {
    let hasher = PasswordHasher(
        parameters: config.auth.argon2, concurrency: config.auth.hashConcurrency, queueLimit: config.auth.hashQueueLimit, metrics: metrics)
    let handler = try await buildHandler(config: config, database: database, hasher: hasher, mailer: mailer, metrics: metrics, logger: logger)
    let router = try buildRouter(config: config, handler: handler, metrics: metrics, tracing: tracing)
    let scheme = config.server.tlsCertificateFile == nil ? "http" : "https"
    var app = Application(
        router: router,
        server: try serverBuilder(config.server),
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: nil),
        services: [database, hasher] as [any Service] + maintenance(config: config, database: database, logger: logger)
            + (tracing?.services ?? []),
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
    }
    return app
}

/// Background upkeep next to the server: the expired-row purger, unless turned off.
func maintenance(config: DocketConfig, database: DocketDatabase, logger: Logger) -> [any Service] {
    guard config.purgeInterval > .zero else { return [] }
    let bucketIdle = max(config.auth.ipLimit.periodSeconds, config.auth.accountLimit.periodSeconds)
    return [ExpiredRowPurger(database: database, interval: config.purgeInterval, bucketIdleSeconds: bucketIdle, logger: logger)]
}

/// HTTP/1.1 with idle and header-size limits, wrapped in TLS when a certificate is configured.
func serverBuilder(_ settings: ServerSettings) throws -> HTTPServerBuilder {
    let http = HTTPServerBuilder.http1(
        configuration: .init(
            idleTimeout: .seconds(Int64(settings.idleTimeoutSeconds)),
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: settings.maxHeaderBytes, maxHeaderListSize: settings.maxHeaderBytes, maxHeaderFieldCount: 100)
        ))
    guard let certificateFile = settings.tlsCertificateFile, let keyFile = settings.tlsKeyFile else { return http }
    let certificates = try NIOSSLCertificate.fromPEMFile(certificateFile).map { NIOSSLCertificateSource.certificate($0) }
    let tls = TLSConfiguration.makeServerConfiguration(certificateChain: certificates, privateKey: .file(keyFile))
    return try .tls(http, tlsConfiguration: tls)
}

/// Creates the services behind the API: keys and tokens, password hashing, stores, flows.
func buildHandler(
    config: DocketConfig, database: DocketDatabase, hasher: PasswordHasher, mailer: any Mailer, metrics: DocketMetrics, logger: Logger
) async throws -> APIHandler {
    let keyFile = try SigningKeyFile.loadOrCreate(config: config, logger: logger)
    let tokens = try await AccessTokens(keyFile: keyFile, settings: config.auth)
    let authenticator = Authenticator(tokens: tokens, database: database, cacheTTL: config.auth.cacheTTL, metrics: metrics)
    let users = UserStore(database: database)
    let audit = AuditLog(database: database)
    let accounts = AccountService(
        users: users,
        refreshTokens: RefreshTokenStore(database: database, lifetime: TimeInterval(config.auth.refreshTokenTTL)),
        hasher: hasher,
        tokens: tokens,
        authenticator: authenticator,
        audit: audit,
        metrics: metrics,
        dummyHash: try PasswordHasher.hashNow(SecureToken.generate(), parameters: config.auth.argon2)
    )
    let emailLinks = EmailLinkService(
        users: users, oneTimeTokens: OneTimeTokenStore(database: database), accounts: accounts, mailer: mailer, audit: audit,
        publicURL: config.publicURL, verificationLifetime: config.auth.emailTokenTTL, resetLifetime: config.auth.resetTokenTTL)
    let tasks = TaskService(
        store: TaskStore(database: database, metrics: metrics), idempotency: IdempotencyStore(),
        cursors: TaskCursor(secret: keyFile.cursorSecret), audit: audit, database: database)
    return APIHandler(
        database: database, documents: try ContractDocuments.load(), accounts: accounts, emailLinks: emailLinks, tasks: tasks,
        authenticator: authenticator, rateLimiter: RateLimiter(database: database, enabled: config.auth.rateLimitEnabled, metrics: metrics),
        settings: config.auth, serverSettings: config.server, metrics: metrics, logger: logger)
}

/// Builds the router: middleware in order (outermost first), then every operation of the contract.
func buildRouter(config: DocketConfig, handler: APIHandler, metrics: DocketMetrics, tracing: RequestTracing?) throws
    -> Router<DocketRequestContext>
{
    let recorder = RouteRecorder()
    try handler.registerHandlers(on: recorder)
    let classifier = ErrorClassifier(routes: RouteTable(recorder.routes), maxBodyBytes: config.maxBodyBytes)

    let router = Router(context: DocketRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: ClientAddressMiddleware(trustedProxies: config.server.trustedProxies, servesTLS: config.server.tlsCertificateFile != nil))
    if let tracing { router.add(middleware: TracingMiddleware(tracing: tracing)) }
    if config.server.metricsEnabled { router.add(middleware: MetricsMiddleware(metrics: metrics)) }
    router.add(middleware: AccessLogMiddleware(level: .info))
    router.add(middleware: SecurityHeadersMiddleware(docsInlineScript: ContractDocuments.inlineScript))
    router.add(middleware: DocketCORSMiddleware(allowedOrigins: config.server.corsOrigins))
    router.add(middleware: ProblemMiddleware(classifier: classifier))
    router.add(middleware: ResponseHeaderMiddleware())
    router.add(middleware: BodyLimitMiddleware(maxBytes: config.maxBodyBytes))
    router.add(middleware: RequestScopeMiddleware())
    try handler.registerHandlers(on: router, configuration: Configuration(dateTranscoder: ISO8601Transcoder(), jsonEncodingOptions: []))
    return router
}
