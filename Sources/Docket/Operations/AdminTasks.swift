import Foundation
import Logging

/// Operator tasks behind the `docket user` and `docket keys` commands, run against the configured database and key file.
/// Account changes go through the same `AccountService` as the API, so both apply the same rules and audit alike.
public struct AdminTasks: Sendable {
    let config: DocketConfig
    let accounts: AccountService
    let logger: Logger

    /// Tasks against `database` with `config`'s settings.
    public init(config: DocketConfig, database: DocketDatabase, logger: Logger) {
        self.config = config
        self.logger = logger
        // One process, no cache of account status to forget; hashing on the calling thread is right for one command.
        let events = EventComponents(config: config, database: database, jobSignal: WakeSignal())
        let audit = AuditLog(database: database)
        self.accounts = AccountService(
            users: UserStore(database: database), refreshTokens: RefreshTokenStore(database: database, lifetime: 0),
            sessions: SessionStore(database: database, maxAge: TimeInterval(config.auth.sessionMaxAge)),
            lockdown: events.lockdown(database: database, audit: audit),
            hasher: ImmediatePasswordHasher(parameters: config.auth.argon2), audit: audit,
            metrics: DocketMetrics(), outbox: events.outbox, statusChanged: { _ in })
    }

    /// Where the CLI's changes come from, in the audit log.
    private var cliOrigin: RequestOrigin { RequestOrigin(ip: nil, userAgent: "docket-cli", requestID: nil) }

    /// Creates an account (an admin when `admin`), applying the same rules as registration; returns its id.
    public func createUser(email: String, name: String, password: String, admin: Bool) async throws -> UUID {
        do {
            let user = try await accounts.create(
                email: email, password: password, name: name, role: admin ? .admin : .user, origin: cliOrigin,
                note: admin ? "created by CLI as admin" : "created by CLI", logger: logger)
            return user.id!
        } catch let error as AppError where error.kind == .validationFailed {
            throw AdminTaskError(error.fieldErrors.map { "\($0.pointer.dropFirst()) \($0.message)" }.joined(separator: "; "))
        } catch let error as AppError where error.kind == .conflict {
            throw AdminTaskError("an account with email \(EmailAddress(email)) already exists")
        }
    }

    /// One account as the CLI lists it.
    public struct AccountSummary: Sendable {
        public let id: UUID
        public let email: String
        public let name: String
        public let role: String
        public let active: Bool
    }

    /// Accounts, newest first, optionally filtered by email substring.
    public func listUsers(emailContains: String?, limit: Int) async throws -> [AccountSummary] {
        let (users, _) = try await accounts.list(emailContains: emailContains, role: nil, limit: limit, offset: 0, logger: logger)
        return users.map { AccountSummary(id: $0.id!, email: $0.email, name: $0.name, role: $0.role, active: $0.isActive) }
    }

    /// Sets the role of the account with `email`.
    public func setRole(email: String, role: String) async throws {
        guard let newRole = UserRole(rawValue: role) else { throw AdminTaskError("role must be user or admin, got \(role)") }
        let user = try await requireUser(email: email)
        try await refusingAsCLI { try await accounts.setRole(newRole, of: user, origin: cliOrigin, note: "(CLI)", logger: logger) }
    }

    /// Deactivates (signing out every session) or reactivates the account with `email`.
    public func setActive(email: String, active: Bool) async throws {
        let user = try await requireUser(email: email)
        try await refusingAsCLI { try await accounts.setActive(active, user: user, origin: cliOrigin, note: "CLI", logger: logger) }
    }

    /// Ensures an account with `email` exists (creating a plain user with `password` and `name` when it does not); returns its id.
    func ensureUser(email: String, name: String, password: String) async throws -> UUID {
        if let existing = try await accounts.account(email: EmailAddress(email), logger: logger) { return existing.id! }
        return try await createUser(email: email, name: name, password: password, admin: false)
    }

    /// Adds a new signing key to the key file, keeping the old ones for verification; returns the new kid.
    public static func rotateKeys(config: DocketConfig) throws -> String {
        let path = config.keysFilePath
        var file = FileManager.default.fileExists(atPath: path) ? try SigningKeyFile.read(from: path) : SigningKeyFile.generated()
        let key = file.rotate()
        try file.write(to: path)
        return key.kid
    }

    /// Removes a verification-only key whose tokens have all expired; returns nothing, throws why not.
    public static func retireKey(_ kid: String, config: DocketConfig, now: Date = Date()) throws {
        let path = config.keysFilePath
        var file = try SigningKeyFile.read(from: path)
        try file.retire(kid, tokenLifetime: TimeInterval(config.auth.accessTokenTTL), now: now)
        try file.write(to: path)
    }

    /// The key file's keys: kid, whether it signs, when it was made.
    public static func listKeys(config: DocketConfig) throws -> [(kid: String, signing: Bool, created: Date?)] {
        let file = try SigningKeyFile.read(from: config.keysFilePath)
        return file.keys.map { ($0.kid, $0.kid == file.signingKID, $0.createdAt) }
    }

    /// Runs `change`, turning a refusal (such as removing the last active admin) into the CLI's one-line error.
    private func refusingAsCLI(_ change: () async throws -> Void) async throws {
        do {
            try await change()
        } catch let error as AppError where error.kind == .conflict {
            throw AdminTaskError(error.detail.prefix(1).lowercased() + error.detail.dropFirst())
        }
    }

    private func requireUser(email: String) async throws -> UserModel {
        guard let user = try await accounts.account(email: EmailAddress(email), logger: logger) else {
            throw AdminTaskError("no account with email \(email)")
        }
        return user
    }
}
