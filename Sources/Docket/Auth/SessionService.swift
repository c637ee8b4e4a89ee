import Foundation
import Logging

/// Signing in and out: register-and-sign-in, password login, refresh-token rotation with reuse detection, logout.
struct SessionService: Sendable {
    let accounts: AccountService
    let users: UserStore
    let refreshTokens: RefreshTokenStore
    let sessionStore: SessionStore
    let hasher: any PasswordHashing
    let tokens: AccessTokens
    let audit: AuditLog
    let metrics: DocketMetrics
    /// A hash of a random password, verified against when an email is unknown so timing does not reveal it.
    let dummyHash: String
    /// Called after a session ended on this node, so the per-node cache stops accepting its access tokens at once.
    let sessionEnded: @Sendable (UUID) -> Void

    /// What register, login and refresh hand back.
    struct SignedIn {
        let accessToken: String
        let refreshToken: String
        let expiresIn: Int
        let user: UserModel
    }

    /// The public keys access tokens are verified with, as published at `/.well-known/jwks.json`.
    var publicKeys: [SigningKeyFile.StoredKey] { tokens.publicKeys }

    /// Why an inactive account cannot sign in, for the audit log.
    static func inactiveReason(_ user: UserModel) -> String {
        user.isDeactivated ? "account deactivated" : "account pending deletion"
    }

    /// What an inactive account's owner is told at sign-in: who deactivated it, or that its deletion can still be undone.
    static func inactiveMessage(_ user: UserModel) -> String {
        if user.isDeactivated {
            return "This account was deactivated by an administrator."
        }
        return "This account is being deleted. Until its grace period ends, POST /api/v1/users/me/restore with the same email and "
            + "password undoes the deletion."
    }

    /// Creates an account and signs it in.
    func register(email: String, password: String, name: String, origin: RequestOrigin, logger: Logger) async throws -> SignedIn {
        let user = try await accounts.create(email: email, password: password, name: name, role: .user, origin: origin, logger: logger)
        return try await signIn(user, logger: logger)
    }

    /// Checks credentials; unknown email and wrong password fail identically.
    func login(email: EmailAddress, password: String, origin: RequestOrigin, logger: Logger) async throws -> SignedIn {
        // A NUL can be in no stored address (and PostgreSQL cannot even compare one): no such account.
        let user = email.value.contains("\u{0}") ? nil : try await users.find(email: email, logger: logger)
        let matches = try await hasher.verify(password, against: user?.passwordHash ?? dummyHash)
        guard let user, matches else {
            metrics.authFailure(reason: "invalid_credentials")
            await audit.record(
                .loginFailed, userID: user?.id, origin: origin, details: user == nil ? "unknown email" : "wrong password", logger: logger)
            throw AppError.unauthorized("Invalid email or password.")
        }
        guard user.isActive else {
            metrics.authFailure(reason: "account_deactivated")
            await audit.record(.loginFailed, userID: user.id, origin: origin, details: Self.inactiveReason(user), logger: logger)
            throw AppError.unauthorized(Self.inactiveMessage(user))
        }
        if hasher.needsRehash(user.passwordHash) {
            user.passwordHash = try await hasher.hash(password)
            try await users.save(user, logger: logger)
            logger.info("password hash upgraded", metadata: ["user_id": .string(user.id!.uuidString.lowercased())])
        }
        await audit.record(.loginSucceeded, userID: user.id, origin: origin, logger: logger)
        return try await signIn(user, logger: logger)
    }

    /// Rotates a refresh token; a second use of one revokes its whole session (refresh and access tokens).
    func refresh(token: String, origin: RequestOrigin, logger: Logger) async throws -> SignedIn {
        switch try await refreshTokens.rotate(token, logger: logger) {
        case .invalid:
            throw AppError.unauthorized("The refresh token is invalid or expired.", invalidToken: true)
        case .reused(let userID, let familyID, let revoked):
            sessionEnded(familyID)
            metrics.familyRevoked(cause: "reuse")
            // The token may be stolen: what outlives a sign-in (personal access tokens, webhooks) ends with it.
            try await accounts.lockdown.apply(to: userID, because: .refreshTokenReused, logger: logger)
            await audit.record(
                .refreshTokenReused, userID: userID, origin: origin, details: "session revoked (\(revoked) live token(s))", logger: logger)
            throw AppError.unauthorized("The refresh token was already used; this session is now signed out.", invalidToken: true)
        case .rotated(let user, let familyID, let successor):
            let access = try await tokens.issue(userID: user.id!, role: user.userRole, sessionID: familyID)
            return SignedIn(accessToken: access, refreshToken: successor, expiresIn: tokens.lifetime, user: user)
        }
    }

    /// Ends the session of `token`: its refresh tokens and its access tokens (no error for unknown tokens: signing out
    /// is idempotent).
    func logout(token: String, origin: RequestOrigin, logger: Logger) async throws {
        guard let stored = try await refreshTokens.family(of: token, logger: logger) else { return }
        try await end(session: stored.familyID, logger: logger)
        metrics.familyRevoked(cause: "logout")
        await audit.record(.loggedOut, userID: stored.userID, origin: origin, logger: logger)
    }

    private func end(session familyID: UUID, logger: Logger) async throws {
        try await sessionStore.revoke(familyID, logger: logger)
        try await refreshTokens.revokeFamily(familyID, logger: logger)
        sessionEnded(familyID)
    }

    /// Signs the account out of every session, on every device.
    func logoutEverywhere(userID: UUID, origin: RequestOrigin, logger: Logger) async throws {
        let user = try await accounts.account(id: userID, logger: logger)
        try await accounts.endAllSessions(of: user, because: .signedOutEverywhere, logger: logger)
        await audit.record(.loggedOutEverywhere, userID: userID, origin: origin, logger: logger)
    }

    /// Refuses (403 `recent-sign-in-required`) unless `caller` signed in with the password within `seconds`: a session
    /// opened by login or registration counts, a refresh does not, and a personal access token never does.
    func requireRecentSignIn(_ caller: AuthenticatedUser, within seconds: Int, logger: Logger) async throws {
        var signedIn: Date?
        if let sessionID = caller.sessionID { signedIn = try await sessionStore.signedInAt(sessionID, userID: caller.id, logger: logger) }
        guard let signedIn, Date().timeIntervalSince(signedIn) <= TimeInterval(seconds) else {
            throw AppError(
                .recentSignInRequired,
                "This needs a sign-in with your password in the last \(seconds / 60) minutes: sign in again (POST /api/v1/auth/login) "
                    + "and retry with the new access token.")
        }
    }

    /// Opens a new session: its first refresh token and an access token bound to it.
    private func signIn(_ user: UserModel, logger: Logger) async throws -> SignedIn {
        let session = try await sessionStore.open(userID: user.id!, logger: logger)
        let refresh = try await refreshTokens.issue(userID: user.id!, familyID: session.id, sessionExpiresAt: session.expiresAt, logger: logger)
        let access = try await tokens.issue(userID: user.id!, role: user.userRole, sessionID: session.id)
        return SignedIn(accessToken: access, refreshToken: refresh, expiresIn: tokens.lifetime, user: user)
    }
}
