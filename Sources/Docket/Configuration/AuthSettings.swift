import Foundation

/// Settings for tokens, password hashing, rate limits and emailed links.
///
/// Environment variables:
/// - `DOCKET_JWT_KEYS_FILE` (path, optional): the shared signing/verification key file; without it a key is generated
///   into `<data dir>/jwt-keys.json` on first start (fine for one node, not for many).
/// - `DOCKET_JWT_ISSUER` (default `docket`), `DOCKET_JWT_AUDIENCE` (default `docket-api`).
/// - `DOCKET_ACCESS_TOKEN_TTL` (seconds, default 900), `DOCKET_REFRESH_TOKEN_TTL` (seconds, default 1209600 = 14 days):
///   a refresh token not used within it expires (idle expiry).
/// - `DOCKET_SESSION_MAX_AGE` (seconds, default 2592000 = 30 days): a session ends this long after sign-in however
///   often it is refreshed (absolute expiry); then the user signs in again.
/// - `DOCKET_RECENT_SIGN_IN_SECONDS` (default 600): creating a personal access token or a webhook needs a session
///   signed in with the password at most this long ago (a refresh does not count), so a stolen access token alone
///   cannot mint a long-lived credential.
/// - `DOCKET_AUTH_CACHE_TTL` (seconds, default 5): how long a node trusts its cached view of an account's
///   active state and role; the upper bound for a deactivation or logout-all to reach other nodes.
/// - `DOCKET_ARGON2_MEMORY_KIB` (default 19456), `DOCKET_ARGON2_ITERATIONS` (default 2), `DOCKET_ARGON2_PARALLELISM` (default 1).
/// - `DOCKET_HASH_CONCURRENCY` (default: the number of cores): password hashes computed at once.
/// - `DOCKET_HASH_QUEUE_LIMIT` (default 64): hashes allowed to wait; beyond it requests get 503 at once.
/// - `DOCKET_RATE_LIMIT_ENABLED` (default true), `DOCKET_RATE_LIMIT_IP` (default `20/60`: 20 requests per 60 s per IP and
///   endpoint), `DOCKET_RATE_LIMIT_ACCOUNT` (default `10/300`: per account, for login and password reset).
/// - `DOCKET_RATE_LIMIT_TOKEN` (default `300/60`): requests per personal access token; `DOCKET_RATE_LIMIT_TOKEN_USER`
///   (default `600/60`): requests per account across all its personal access tokens.
/// - `DOCKET_RATE_LIMIT_EMAIL` (default `5/3600`): verification and password-reset emails per account;
///   `DOCKET_RATE_LIMIT_EMAIL_IP` (default `30/3600`): such emails requested per client address.
/// - `DOCKET_RATE_LIMIT_WRITES` (default `600/60`): task writes per account (REST, MCP, jobs enqueued).
/// - `DOCKET_RATE_LIMIT_WEBHOOK_SENDS` (default `10/60`): webhook test sends and redeliveries per account.
/// - `DOCKET_MAX_PENDING_JOBS_PER_USER` (default 20): bulk updates and imports one account may have queued or running.
/// - `DOCKET_MAX_TASKS_PER_USER` (default 100000): tasks one account may hold; a create past it is a 422 problem.
/// - `DOCKET_AUDIT_RETENTION_DAYS` (default 400): audit events older than this are purged.
/// - `DOCKET_PUBLIC_URL` (default `http://<host>:<port>`): the base of links in emails.
public struct AuthSettings: Sendable {
    public var keysFile: String?
    public var issuer: String = "docket"
    public var audience: String = "docket-api"
    public var accessTokenTTL: Int = 900
    public var refreshTokenTTL: Int = 1_209_600
    public var sessionMaxAge: Int = 2_592_000
    public var recentSignInSeconds: Int = 600
    public var cacheTTL: Int = 5
    public var argon2: Argon2Parameters = .owasp
    public var hashConcurrency: Int = ProcessInfo.processInfo.activeProcessorCount
    public var hashQueueLimit: Int = 64
    public var rateLimitEnabled: Bool = true
    public var ipLimit: RateLimitPolicy = RateLimitPolicy(capacity: 20, periodSeconds: 60)
    public var accountLimit: RateLimitPolicy = RateLimitPolicy(capacity: 10, periodSeconds: 300)
    public var tokenLimit: RateLimitPolicy = RateLimitPolicy(capacity: 300, periodSeconds: 60)
    public var tokenUserLimit: RateLimitPolicy = RateLimitPolicy(capacity: 600, periodSeconds: 60)
    public var emailAccountLimit: RateLimitPolicy = RateLimitPolicy(capacity: 5, periodSeconds: 3600)
    public var emailIPLimit: RateLimitPolicy = RateLimitPolicy(capacity: 30, periodSeconds: 3600)
    public var writeLimit: RateLimitPolicy = RateLimitPolicy(capacity: 600, periodSeconds: 60)
    public var maxTasksPerUser: Int = 100_000
    public var webhookSendLimit: RateLimitPolicy = RateLimitPolicy(capacity: 10, periodSeconds: 60)
    public var maxPendingJobsPerUser: Int = 20
    public var auditRetentionDays: Int = 400
    public var publicURL: String?
    public var emailTokenTTL: Int = 86_400
    public var resetTokenTTL: Int = 3_600

    /// Defaults as documented.
    public init() {}
}

extension EnvironmentReader {
    func authSettings() throws(ConfigError) -> AuthSettings {
        var settings = AuthSettings()
        settings.keysFile = values["DOCKET_JWT_KEYS_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        settings.issuer = try nonEmptyString("DOCKET_JWT_ISSUER", default: settings.issuer)
        settings.audience = try nonEmptyString("DOCKET_JWT_AUDIENCE", default: settings.audience)
        settings.accessTokenTTL = try integer("DOCKET_ACCESS_TOKEN_TTL", default: 900, in: 30...86_400)
        settings.refreshTokenTTL = try integer("DOCKET_REFRESH_TOKEN_TTL", default: settings.refreshTokenTTL, in: 60...31_536_000)
        settings.sessionMaxAge = try integer("DOCKET_SESSION_MAX_AGE", default: settings.sessionMaxAge, in: 60...31_536_000)
        settings.cacheTTL = try integer("DOCKET_AUTH_CACHE_TTL", default: 5, in: 0...300)
        settings.recentSignInSeconds = try integer("DOCKET_RECENT_SIGN_IN_SECONDS", default: 600, in: 60...86_400)
        settings.argon2 = Argon2Parameters(
            memoryKiB: UInt32(try integer("DOCKET_ARGON2_MEMORY_KIB", default: 19_456, in: 8...4_194_304)),
            iterations: UInt32(try integer("DOCKET_ARGON2_ITERATIONS", default: 2, in: 1...100)),
            parallelism: UInt32(try integer("DOCKET_ARGON2_PARALLELISM", default: 1, in: 1...64))
        )
        settings.hashConcurrency = try integer("DOCKET_HASH_CONCURRENCY", default: settings.hashConcurrency, in: 1...256)
        settings.hashQueueLimit = try integer("DOCKET_HASH_QUEUE_LIMIT", default: 64, in: 0...100_000)
        settings.rateLimitEnabled = try boolean("DOCKET_RATE_LIMIT_ENABLED", default: true)
        settings.ipLimit = try rateLimit("DOCKET_RATE_LIMIT_IP", default: settings.ipLimit)
        settings.accountLimit = try rateLimit("DOCKET_RATE_LIMIT_ACCOUNT", default: settings.accountLimit)
        settings.tokenLimit = try rateLimit("DOCKET_RATE_LIMIT_TOKEN", default: settings.tokenLimit)
        settings.tokenUserLimit = try rateLimit("DOCKET_RATE_LIMIT_TOKEN_USER", default: settings.tokenUserLimit)
        settings.emailAccountLimit = try rateLimit("DOCKET_RATE_LIMIT_EMAIL", default: settings.emailAccountLimit)
        settings.emailIPLimit = try rateLimit("DOCKET_RATE_LIMIT_EMAIL_IP", default: settings.emailIPLimit)
        settings.writeLimit = try rateLimit("DOCKET_RATE_LIMIT_WRITES", default: settings.writeLimit)
        settings.maxTasksPerUser = try integer("DOCKET_MAX_TASKS_PER_USER", default: settings.maxTasksPerUser, in: 1...100_000_000)
        settings.webhookSendLimit = try rateLimit("DOCKET_RATE_LIMIT_WEBHOOK_SENDS", default: settings.webhookSendLimit)
        settings.maxPendingJobsPerUser = try integer(
            "DOCKET_MAX_PENDING_JOBS_PER_USER", default: settings.maxPendingJobsPerUser, in: 1...1_000_000)
        settings.auditRetentionDays = try integer("DOCKET_AUDIT_RETENTION_DAYS", default: settings.auditRetentionDays, in: 1...36_500)
        settings.publicURL = values["DOCKET_PUBLIC_URL"].flatMap { $0.isEmpty ? nil : $0 }
        settings.emailTokenTTL = try integer("DOCKET_EMAIL_TOKEN_TTL", default: 86_400, in: 60...2_592_000)
        settings.resetTokenTTL = try integer("DOCKET_RESET_TOKEN_TTL", default: 3_600, in: 60...604_800)
        return settings
    }

    private func rateLimit(_ name: String, default fallback: RateLimitPolicy) throws(ConfigError) -> RateLimitPolicy {
        guard let text = values[name], !text.isEmpty else { return fallback }
        guard let policy = RateLimitPolicy(text: text) else {
            throw ConfigError(variable: name, problem: "must look like 20/60 (requests per seconds), got \"\(text)\"")
        }
        return policy
    }
}
