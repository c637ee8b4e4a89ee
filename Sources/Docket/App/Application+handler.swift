import Foundation
import Logging

/// Creates the services behind the API (keys and tokens, stores, flows) and the one handler that serves the contract.
func buildHandler(
    config: DocketConfig, database: DocketDatabase, hasher: PasswordHasher, mailer: any Mailer, metrics: DocketMetrics, jobSignal: JobSignal,
    logger: Logger
) async throws -> APIHandler {
    let keyFile = try SigningKeyFile.loadOrCreate(config: config, logger: logger)
    let tokens = try await AccessTokens(keyFile: keyFile, settings: config.auth)
    let audit = AuditLog(database: database)
    let personalTokenStore = PersonalAccessTokenStore(database: database)
    let personalTokens = PersonalAccessTokenService(store: personalTokenStore, audit: audit)
    let authenticator = Authenticator(
        tokens: tokens, personalTokens: personalTokens, database: database, cacheTTL: config.auth.cacheTTL, metrics: metrics)
    let users = UserStore(database: database)
    let refreshTokens = RefreshTokenStore(database: database, lifetime: TimeInterval(config.auth.refreshTokenTTL))
    let accounts = AccountService(
        users: users, refreshTokens: refreshTokens, personalTokens: personalTokenStore, hasher: hasher, audit: audit, metrics: metrics,
        statusChanged: { [authenticator] id in authenticator.forget(id) })
    let sessions = SessionService(
        accounts: accounts, users: users, refreshTokens: refreshTokens, hasher: hasher, tokens: tokens, audit: audit, metrics: metrics,
        dummyHash: try PasswordHasher.hashNow(SecureToken.generate(), parameters: config.auth.argon2))
    let emailLinks = EmailLinkService(
        users: users, oneTimeTokens: OneTimeTokenStore(database: database), accounts: accounts, mailer: mailer, audit: audit,
        publicURL: config.publicURL, verificationLifetime: config.auth.emailTokenTTL, resetLifetime: config.auth.resetTokenTTL)
    let tasks = TaskService(
        store: TaskStore(database: database, metrics: metrics), idempotency: IdempotencyStore(),
        cursors: TaskCursor(secret: keyFile.cursorSecret), audit: audit, database: database)
    return APIHandler(
        database: database, documents: try ContractDocuments.load(), accounts: accounts, sessions: sessions, emailLinks: emailLinks,
        tasks: tasks, personalTokens: personalTokens,
        jobs: JobQueue(store: JobStore(database: database), signal: jobSignal, maxAttempts: config.jobs.maxAttempts), authenticator: authenticator,
        rateLimiter: RateLimiter(database: database, enabled: config.auth.rateLimitEnabled, metrics: metrics, audit: audit), audit: audit,
        settings: config.auth, serverSettings: config.server, metrics: metrics, logger: logger)
}
