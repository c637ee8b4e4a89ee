import FluentKit
import Foundation
import HTTPTypes
import Logging
import Synchronization

/// Turns an `Authorization: Bearer` header into an `AuthenticatedUser`, checking the account is still active
/// through a short-lived per-node cache instead of a database round-trip on every request.
final class Authenticator: Sendable {
    private let tokens: AccessTokens
    private let personalTokens: PersonalAccessTokenService
    private let database: DocketDatabase
    private let cacheTTL: TimeInterval
    private let cache = Mutex<[UUID: AccountStatus]>([:])
    private let sessionCache = Mutex<[UUID: SessionStatus]>([:])
    private let sessions: SessionStore
    private let metrics: DocketMetrics

    /// What the cache remembers about an account.
    struct AccountStatus: Sendable {
        let active: Bool
        let role: UserRole
        let tokensValidAfter: Date
        let fetchedAt: Date
    }

    /// What the cache remembers about a sign-in session.
    struct SessionStatus: Sendable {
        let live: Bool
        let fetchedAt: Date
    }

    init(
        tokens: AccessTokens, personalTokens: PersonalAccessTokenService, sessions: SessionStore, database: DocketDatabase, cacheTTL: Int,
        metrics: DocketMetrics
    ) {
        self.sessions = sessions
        self.metrics = metrics
        self.tokens = tokens
        self.personalTokens = personalTokens
        self.database = database
        self.cacheTTL = TimeInterval(cacheTTL)
    }

    /// The caller behind a session access token or a personal access token, or a 401 problem with `WWW-Authenticate: Bearer`.
    func authenticate(authorization: String?, origin: RequestOrigin, logger: Logger) async throws -> AuthenticatedUser {
        do {
            return try await verify(authorization: authorization, origin: origin, logger: logger)
        } catch let rejection as TokenRejection {
            logger.debug("access token rejected", metadata: ["reason": .string(rejection.rawValue)])
            metrics.authFailure(reason: rejection.rawValue)
            throw AppError.unauthorized(
                rejection == .missing ? "This endpoint needs an access token." : "The access token is invalid or expired.",
                invalidToken: rejection != .missing)
        }
    }

    /// A watch on `authorization` for a connection it opened, asked every authentication cache lifetime (at least 1 s).
    func watch(authorization: String?, origin: RequestOrigin, logger: Logger) -> CredentialWatch {
        CredentialWatch(interval: .seconds(max(1, cacheTTL))) { [self] in
            do {
                _ = try await verify(authorization: authorization, origin: origin, logger: logger)
                return true
            } catch is TokenRejection {
                return false
            } catch {
                return true
            }
        }
    }

    private func verify(authorization: String?, origin: RequestOrigin, logger: Logger) async throws -> AuthenticatedUser {
        guard let authorization, !authorization.isEmpty else { throw TokenRejection.missing }
        guard authorization.count > 7, authorization.prefix(7).lowercased() == "bearer " else { throw TokenRejection.malformed }
        let token = authorization.dropFirst(7).trimmingCharacters(in: .whitespaces)
        if token.hasPrefix(PersonalAccessTokenService.prefix) {
            // Looked up on every request (no cache), so a revocation holds at once on every node.
            let stored = try await personalTokens.verify(token, origin: origin, logger: logger)
            let status = try await status(of: stored.userID, logger: logger)
            guard status.active else { throw TokenRejection.inactiveUser }
            return AuthenticatedUser(id: stored.userID, role: status.role, credential: .personalAccessToken(id: stored.id!, scopes: stored.scopes))
        }
        let verified = try await tokens.verify(token)
        let userID = verified.userID
        let status = try await status(of: userID, logger: logger)
        guard status.active else { throw TokenRejection.inactiveUser }
        // Tokens issued before a logout-all, password change or deactivation are dead (`iat` keeps fractional seconds).
        guard verified.issuedAt >= status.tokensValidAfter else {
            throw TokenRejection.revoked
        }
        // A token of a session that was signed out (or revoked by reuse detection, or past its absolute lifetime) is dead.
        guard try await sessionIsLive(verified.sessionID, of: userID, logger: logger) else { throw TokenRejection.revoked }
        return AuthenticatedUser(id: userID, role: status.role, credential: .session(id: verified.sessionID))
    }

    private func status(of userID: UUID, logger: Logger) async throws -> AccountStatus {
        let now = Date()
        if let cached = cache.withLock({ $0[userID] }), now.timeIntervalSince(cached.fetchedAt) < cacheTTL {
            return cached
        }
        guard let user = try await UserModel.find(userID, on: database.database(logger: logger)) else {
            throw TokenRejection.inactiveUser
        }
        let status = AccountStatus(active: user.isActive, role: user.userRole, tokensValidAfter: user.tokensValidAfter, fetchedAt: now)
        cache.withLock { entries in
            if entries.count > 100_000 { entries.removeAll(keepingCapacity: true) }
            entries[userID] = status
        }
        return status
    }

    private func sessionIsLive(_ sessionID: UUID, of userID: UUID, logger: Logger) async throws -> Bool {
        let now = Date()
        if let cached = sessionCache.withLock({ $0[sessionID] }), now.timeIntervalSince(cached.fetchedAt) < cacheTTL {
            return cached.live
        }
        let stored = try await sessions.status(of: sessionID, now: now, logger: logger)
        let live = stored.map { $0.live && $0.userID == userID } ?? false
        sessionCache.withLock { entries in
            if entries.count > 100_000 { entries.removeAll(keepingCapacity: true) }
            entries[sessionID] = SessionStatus(live: live, fetchedAt: now)
        }
        return live
    }

    /// Forgets what this node cached about a session, so its own next request sees a sign-out at once.
    func forgetSession(_ sessionID: UUID) {
        _ = sessionCache.withLock { $0.removeValue(forKey: sessionID) }
    }

    /// Forgets what this node cached about an account, so its own next request sees a change at once.
    func forget(_ userID: UUID) {
        _ = cache.withLock { $0.removeValue(forKey: userID) }
    }
}
