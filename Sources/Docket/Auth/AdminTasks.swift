import Foundation
import Logging

/// Operator tasks behind the `docket user` and `docket keys` commands, run against the configured database and key file.
public struct AdminTasks: Sendable {
    let config: DocketConfig
    let database: DocketDatabase
    let logger: Logger

    /// Tasks against `database` with `config`'s settings.
    public init(config: DocketConfig, database: DocketDatabase, logger: Logger) {
        self.config = config
        self.database = database
        self.logger = logger
    }

    /// Creates an account (an admin when `admin`), applying the same rules as registration; returns its id.
    public func createUser(email: String, name: String, password: String, admin: Bool) async throws -> UUID {
        var errors: [FieldError] = []
        let email = CredentialRules.email(email, into: &errors)
        CredentialRules.password(password, into: &errors)
        let name = CredentialRules.name(name, into: &errors)
        if !errors.isEmpty {
            throw AdminTaskError(errors.map { "\($0.pointer.dropFirst()) \($0.message)" }.joined(separator: "; "))
        }
        let hash = try PasswordHasher.hashNow(password, parameters: config.auth.argon2)
        let user = UserModel(email: email, name: name, passwordHash: hash, role: admin ? .admin : .user, now: Date())
        do {
            try await UserStore(database: database).create(user, logger: logger)
        } catch let error as AppError where error.kind == .conflict {
            throw AdminTaskError("an account with email \(email) already exists")
        }
        await AuditLog(database: database).record(
            .registered, userID: user.id, origin: RequestOrigin(ip: nil, userAgent: "docket-cli", requestID: nil),
            details: admin ? "created by CLI as admin" : "created by CLI", logger: logger)
        return user.id!
    }

    /// Adds a new signing key to the key file, keeping the old ones for verification; returns the new kid.
    public static func rotateKeys(config: DocketConfig) throws -> String {
        let path = config.keysFilePath
        var file = FileManager.default.fileExists(atPath: path) ? try SigningKeyFile.read(from: path) : SigningKeyFile.generated()
        let key = file.rotate()
        try file.write(to: path)
        return key.kid
    }
}

/// An operator task that cannot be done, with a one-line reason.
public struct AdminTaskError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension AdminTasks {
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
        let (users, _) = try await UserStore(database: database).list(
            emailContains: emailContains, role: nil, limit: limit, offset: 0, logger: logger)
        return users.map { AccountSummary(id: $0.id!, email: $0.email, name: $0.name, role: $0.role, active: $0.isActive) }
    }

    /// Sets the role of the account with `email`.
    public func setRole(email: String, role: String) async throws {
        guard let newRole = UserRole(rawValue: role) else { throw AdminTaskError("role must be user or admin, got \(role)") }
        let user = try await requireUser(email: email)
        user.role = newRole.rawValue
        try await UserStore(database: database).save(user, logger: logger)
        await AuditLog(database: database).record(.roleChanged, userID: user.id, origin: cliOrigin, details: "now \(role) (CLI)", logger: logger)
    }

    /// Deactivates (signing out every session) or reactivates the account with `email`.
    public func setActive(email: String, active: Bool) async throws {
        let user = try await requireUser(email: email)
        guard user.isActive != active else { return }
        user.deletedAt = active ? nil : Date()
        if !active {
            user.tokensValidAfter = Date()
            try await RefreshTokenStore(database: database, lifetime: 0).revokeAll(userID: user.id!, logger: logger)
        }
        try await UserStore(database: database).save(user, logger: logger)
        await AuditLog(database: database).record(
            active ? .accountReactivated : .accountDeactivated, userID: user.id, origin: cliOrigin, details: "CLI", logger: logger)
    }

    /// The key file's keys: kid, whether it signs, when it was made.
    public static func listKeys(config: DocketConfig) throws -> [(kid: String, signing: Bool, created: Date?)] {
        let file = try SigningKeyFile.read(from: config.keysFilePath)
        return file.keys.map { ($0.kid, $0.kid == file.signingKID, $0.createdAt) }
    }

    private var cliOrigin: RequestOrigin { RequestOrigin(ip: nil, userAgent: "docket-cli", requestID: nil) }

    private func requireUser(email: String) async throws -> UserModel {
        guard let user = try await UserStore(database: database).find(email: email.trimmingCharacters(in: .whitespaces).lowercased(), logger: logger)
        else { throw AdminTaskError("no account with email \(email)") }
        return user
    }
}
