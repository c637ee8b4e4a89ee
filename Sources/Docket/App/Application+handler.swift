import Foundation
import Logging

/// What the router serves: the contract's handler and the MCP endpoint.
struct Endpoints: Sendable {
    let api: APIHandler
    let mcp: MCPEndpoint
    let eventSocket: EventSocketEndpoint
    /// Makes this node forget what it cached about an account (its status, role or sessions changed elsewhere).
    let accountChanged: @Sendable (UUID) -> Void
    /// Signs export download links (the export saga mails them; the API checks them).
    let exportLinks: ExportLinks
}

/// Creates the services behind the API (keys and tokens, stores, flows), the one handler that serves the contract and
/// the MCP endpoint that serves agents.
func buildHandler(
    config: DocketConfig, database: DocketDatabase, hasher: PasswordHasher, mailer: any Mailer, metrics: DocketMetrics, jobSignal: WakeSignal,
    events: EventComponents, logger: Logger
) async throws -> Endpoints {
    let keyFile = try SigningKeyFile.loadOrCreate(config: config, logger: logger)
    let tokens = try await AccessTokens(keyFile: keyFile, settings: config.auth)
    let audit = AuditLog(database: database)
    let personalTokenStore = PersonalAccessTokenStore(database: database)
    let personalTokens = PersonalAccessTokenService(store: personalTokenStore, audit: audit)
    let sessionStore = SessionStore(database: database, maxAge: TimeInterval(config.auth.sessionMaxAge))
    let authenticator = Authenticator(
        tokens: tokens, personalTokens: personalTokens, sessions: sessionStore, database: database, cacheTTL: config.auth.cacheTTL,
        metrics: metrics)
    let users = UserStore(database: database)
    let refreshTokens = RefreshTokenStore(database: database, lifetime: TimeInterval(config.auth.refreshTokenTTL))
    let accounts = AccountService(
        users: users, refreshTokens: refreshTokens, sessions: sessionStore, lockdown: events.lockdown(database: database, audit: audit),
        hasher: hasher, audit: audit,
        metrics: metrics,
        outbox: events.outbox,
        statusChanged: { [authenticator, outbox = events.outbox, logger] id in
            authenticator.forget(id)
            Task { await outbox.closeFeeds(of: id, logger: logger) }
        })
    let dummyHash = try PasswordHasher.hashNow(SecureToken.generate(), parameters: config.auth.argon2)
    let sessions = SessionService(
        accounts: accounts, users: users, refreshTokens: refreshTokens, sessionStore: sessionStore, hasher: hasher, tokens: tokens, audit: audit,
        metrics: metrics, dummyHash: dummyHash,
        sessionEnded: { [authenticator] id in authenticator.forgetSession(id) })
    let jobs = JobQueue(store: JobStore(database: database), signal: jobSignal, maxAttempts: config.jobs.maxAttempts)
    let emailLinks = EmailLinkService(
        users: users, oneTimeTokens: OneTimeTokenStore(database: database), accounts: accounts, jobs: jobs, audit: audit)
    let taskStore = TaskStore(database: database, metrics: metrics)
    let tasks = TaskService(
        store: taskStore, idempotency: IdempotencyStore(), cursors: TaskCursor(secret: keyFile.cursorSecret), audit: audit, database: database,
        outbox: events.outbox, quota: TaskQuota(maxTasks: config.auth.maxTasksPerUser))
    let rateLimiter = RateLimiter(database: database, enabled: config.auth.rateLimitEnabled, metrics: metrics, audit: audit)
    let mcpSessions = MCPSessions(
        idleSeconds: config.mcp.sessionIdleSeconds, maxSessions: config.mcp.maxSessions, checkInterval: .seconds(max(1, config.auth.cacheTTL)))
    let mcp = MCPEndpoint(
        sessions: mcpSessions,
        factory: MCPServerFactory(
            tools: TaskTools(
                tasks: tasks, store: taskStore, jobs: jobs, rateLimiter: rateLimiter, authSettings: config.auth),
            resources: TaskResources(tasks: tasks, store: taskStore),
            activity: ToolCallRecorder(database: database, metrics: metrics),
            sessions: mcpSessions, logger: logger),
        authenticator: authenticator, rateLimiter: rateLimiter, authSettings: config.auth, settings: config.mcp, publicURL: config.publicURL,
        maxBodyBytes: config.maxBodyBytes)
    let exportLinks = ExportLinks(secret: keyFile.exportLinkSecret, publicURL: config.publicURL)
    let sagas = SagaService(
        database: database, store: SagaStore(database: database), jobs: JobStore(database: database), jobSignal: jobSignal, users: users,
        hasher: hasher, dummyHash: dummyHash, audit: audit, graceSeconds: config.jobs.deletionGraceSeconds, maxAttempts: config.jobs.maxAttempts)
    let api = APIHandler(
        database: database, documents: try ContractDocuments.load(), accounts: accounts, sessions: sessions, emailLinks: emailLinks,
        tasks: tasks, personalTokens: personalTokens,
        jobs: jobs, sagas: sagas, exportLinks: exportLinks, events: events.feed, eventStore: events.store,
        webhooks: WebhookService(
            store: events.webhookStore, fanout: events.fanout, resolver: events.resolver, policy: events.policy, database: database, audit: audit,
            jobSignal: jobSignal), toolCalls: ToolCallLog(database: database), authenticator: authenticator,
        rateLimiter: rateLimiter, audit: audit,
        settings: config.auth, serverSettings: config.server, broker: config.broker, publicURL: config.publicURL, metrics: metrics, logger: logger)
    return Endpoints(
        api: api, mcp: mcp,
        eventSocket: EventSocketEndpoint(
            authenticator: authenticator, feed: events.feed, address: ClientAddress(trustedProxies: config.server.trustedProxies),
            waiting: UnauthenticatedSockets()),
        accountChanged: accounts.statusChanged, exportLinks: exportLinks)
}
