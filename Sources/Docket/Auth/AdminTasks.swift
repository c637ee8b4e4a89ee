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
