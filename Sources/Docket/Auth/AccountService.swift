import Foundation
import Logging

/// The account flows (register, sign in, rotate, sign out, passwords, deactivation), independent of HTTP.
struct AccountService: Sendable {
    let users: UserStore
    let refreshTokens: RefreshTokenStore
    let hasher: PasswordHasher
    let tokens: AccessTokens
    let authenticator: Authenticator
    let audit: AuditLog
    let metrics: DocketMetrics
    /// A hash of a random password, verified against when an email is unknown so timing does not reveal it.
    let dummyHash: String

    /// What register, login and refresh hand back.
    struct SignedIn {
        let accessToken: String
        let refreshToken: String
        let expiresIn: Int
        let user: UserModel
    }

    /// Creates an account and signs it in.
    func register(email: String, password: String, name: String, origin: RequestOrigin, logger: Logger) async throws -> SignedIn {
        var errors: [FieldError] = []
        let email = CredentialRules.email(email, into: &errors)
        CredentialRules.password(password, into: &errors)
        let name = CredentialRules.name(name, into: &errors)
        try CredentialRules.check(errors)
        let hash = try await hasher.hash(password)
        let user = UserModel(email: email, name: name, passwordHash: hash, role: .user, now: Date())
        try await users.create(user, logger: logger)
        await audit.record(.registered, userID: user.id, origin: origin, logger: logger)
        return try await signIn(user, familyID: nil, logger: logger)
    }

    /// Checks credentials; unknown email and wrong password fail identically.
    func login(email rawEmail: String, password: String, origin: RequestOrigin, logger: Logger) async throws -> SignedIn {
        let email = rawEmail.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let user = try await users.find(email: email, logger: logger)
        let matches = try await hasher.verify(password, against: user?.passwordHash ?? dummyHash)
        guard let user, matches else {
            metrics.authFailure(reason: "invalid_credentials")
            await audit.record(
                .loginFailed, userID: user?.id, origin: origin, details: user == nil ? "unknown email" : "wrong password", logger: logger)
            throw AppError.unauthorized("Invalid email or password.")
        }
        guard user.isActive else {
            metrics.authFailure(reason: "account_deactivated")
            await audit.record(.loginFailed, userID: user.id, origin: origin, details: "account deactivated", logger: logger)
            throw AppError.unauthorized("This account is deactivated.")
        }
        if hasher.needsRehash(user.passwordHash) {
            user.passwordHash = try await hasher.hash(password)
            try await users.save(user, logger: logger)
            logger.info("password hash upgraded", metadata: ["user_id": .string(user.id!.uuidString.lowercased())])
        }
        await audit.record(.loginSucceeded, userID: user.id, origin: origin, logger: logger)
        return try await signIn(user, familyID: nil, logger: logger)
    }

    /// Rotates a refresh token; a second use of one revokes its whole family.
    func refresh(token: String, origin: RequestOrigin, logger: Logger) async throws -> SignedIn {
        switch try await refreshTokens.redeem(token, logger: logger) {
        case .invalid:
            throw AppError.unauthorized("The refresh token is invalid or expired.", invalidToken: true)
        case .reused(let stored):
            let revoked = try await refreshTokens.revokeFamily(stored.familyID, logger: logger)
            metrics.familyRevoked(cause: "reuse")
            await audit.record(
                .refreshTokenReused, userID: stored.userID, origin: origin, details: "family revoked (\(revoked) live token(s))", logger: logger)
            throw AppError.unauthorized("The refresh token was already used; this session is now signed out.", invalidToken: true)
        case .valid(let stored):
            guard let user = try await users.find(id: stored.userID, logger: logger), user.isActive else {
                try await refreshTokens.revokeFamily(stored.familyID, logger: logger)
                throw AppError.unauthorized("The refresh token is invalid or expired.", invalidToken: true)
            }
            return try await signIn(user, familyID: stored.familyID, logger: logger)
        }
    }

    /// Revokes the family of `token` (no error for unknown tokens: signing out is idempotent).
    func logout(token: String, origin: RequestOrigin, logger: Logger) async throws {
        guard let stored = try await refreshTokens.family(of: token, logger: logger) else { return }
        try await refreshTokens.revokeFamily(stored.familyID, logger: logger)
        metrics.familyRevoked(cause: "logout")
        await audit.record(.loggedOut, userID: stored.userID, origin: origin, logger: logger)
    }

    /// Revokes every refresh token and every access token issued until now.
    func endAllSessions(of user: UserModel, logger: Logger) async throws {
        if try await refreshTokens.revokeAll(userID: user.id!, logger: logger) > 0 { metrics.familyRevoked(cause: "all_sessions") }
        user.tokensValidAfter = Date()
        try await users.save(user, logger: logger)
        authenticator.forget(user.id!)
    }

    /// Changes the password after checking the current one, and signs out every session.
    func changePassword(of user: UserModel, current: String, new: String, origin: RequestOrigin, logger: Logger) async throws {
        var errors: [FieldError] = []
        CredentialRules.password(new, pointer: "/new_password", into: &errors)
        try CredentialRules.check(errors)
        guard try await hasher.verify(current, against: user.passwordHash) else {
            throw AppError.validation([FieldError(pointer: "/current_password", message: "is not the current password")])
        }
        user.passwordHash = try await hasher.hash(new)
        try await endAllSessions(of: user, logger: logger)
        await audit.record(.passwordChanged, userID: user.id, origin: origin, logger: logger)
    }

    /// Deactivates (or reactivates) an account; deactivation signs out every session.
    func setActive(_ active: Bool, user: UserModel, origin: RequestOrigin, logger: Logger) async throws {
        guard active != user.isActive else { return }
        user.deletedAt = active ? nil : Date()
        if active {
            try await users.save(user, logger: logger)
            authenticator.forget(user.id!)
        } else {
            try await endAllSessions(of: user, logger: logger)
        }
        await audit.record(active ? .accountReactivated : .accountDeactivated, userID: user.id, origin: origin, logger: logger)
    }

    private func signIn(_ user: UserModel, familyID: UUID?, logger: Logger) async throws -> SignedIn {
        let refresh = try await refreshTokens.issue(userID: user.id!, familyID: familyID, logger: logger)
        let access = try await tokens.issue(userID: user.id!, role: user.userRole)
        return SignedIn(accessToken: access, refreshToken: refresh, expiresIn: tokens.lifetime, user: user)
    }
}
