import DocketAPI
import Foundation

extension APIHandler {
    func register(_ input: Operations.Register.Input) async throws -> Operations.Register.Output {
        guard case .json(let body) = input.body else { throw AppError(.unsupportedMediaType, "Send application/json.") }
        let request = try self.request
        try await limit([ipBucket("register")])
        let signedIn = try await accounts.register(
            email: body.email, password: body.password, name: body.name, origin: request.origin, logger: requestLogger)
        return .created(.init(body: .json(try Components.Schemas.TokenPair(signedIn))))
    }

    func login(_ input: Operations.Login.Input) async throws -> Operations.Login.Output {
        guard case .json(let body) = input.body else { throw AppError(.unsupportedMediaType, "Send application/json.") }
        let request = try self.request
        let email = body.email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        try await limit([ipBucket("login"), accountBucket("login", email: email)])
        let signedIn = try await accounts.login(email: email, password: body.password, origin: request.origin, logger: requestLogger)
        return .ok(.init(body: .json(try Components.Schemas.TokenPair(signedIn))))
    }

    func refreshTokens(_ input: Operations.RefreshTokens.Input) async throws -> Operations.RefreshTokens.Output {
        guard case .json(let body) = input.body else { throw AppError(.unsupportedMediaType, "Send application/json.") }
        let request = try self.request
        try await limit([ipBucket("refresh")])
        let signedIn = try await accounts.refresh(token: body.refreshToken, origin: request.origin, logger: requestLogger)
        return .ok(.init(body: .json(try Components.Schemas.TokenPair(signedIn))))
    }

    func logout(_ input: Operations.Logout.Input) async throws -> Operations.Logout.Output {
        guard case .json(let body) = input.body else { throw AppError(.unsupportedMediaType, "Send application/json.") }
        try await accounts.logout(token: body.refreshToken, origin: try request.origin, logger: requestLogger)
        return .noContent(.init())
    }

    func logoutAll(_ input: Operations.LogoutAll.Input) async throws -> Operations.LogoutAll.Output {
        let caller = try await requireUser()
        let user = try await accounts.users.require(id: caller.id, logger: requestLogger)
        try await accounts.endAllSessions(of: user, logger: requestLogger)
        await accounts.audit.record(.loggedOutEverywhere, userID: caller.id, origin: try request.origin, logger: requestLogger)
        return .noContent(.init())
    }

    func requestEmailVerification(_ input: Operations.RequestEmailVerification.Input) async throws
        -> Operations.RequestEmailVerification.Output
    {
        let caller = try await requireUser()
        let user = try await accounts.users.require(id: caller.id, logger: requestLogger)
        try await emailLinks.sendVerification(to: user, logger: requestLogger)
        return .accepted(.init())
    }

    func confirmEmailVerification(_ input: Operations.ConfirmEmailVerification.Input) async throws
        -> Operations.ConfirmEmailVerification.Output
    {
        guard case .json(let body) = input.body else { throw AppError(.unsupportedMediaType, "Send application/json.") }
        try await emailLinks.confirmVerification(token: body.token, origin: try request.origin, logger: requestLogger)
        return .noContent(.init())
    }

    func requestPasswordReset(_ input: Operations.RequestPasswordReset.Input) async throws -> Operations.RequestPasswordReset.Output {
        guard case .json(let body) = input.body else { throw AppError(.unsupportedMediaType, "Send application/json.") }
        let email = body.email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        try await limit([ipBucket("password-reset"), accountBucket("password-reset", email: email)])
        try await emailLinks.sendPasswordReset(email: email, origin: try request.origin, logger: requestLogger)
        return .accepted(.init())
    }

    func confirmPasswordReset(_ input: Operations.ConfirmPasswordReset.Input) async throws -> Operations.ConfirmPasswordReset.Output {
        guard case .json(let body) = input.body else { throw AppError(.unsupportedMediaType, "Send application/json.") }
        try await emailLinks.resetPassword(token: body.token, newPassword: body.newPassword, origin: try request.origin, logger: requestLogger)
        return .noContent(.init())
    }

    func getJWKS(_ input: Operations.GetJWKS.Input) async throws -> Operations.GetJWKS.Output {
        let keys = accounts.tokens.publicKeys.map { key in
            Components.Schemas.Jwk(kty: .okp, crv: .ed25519, x: key.x, kid: key.kid, use: .sig, alg: .edDSA)
        }
        return .ok(.init(body: .json(.init(keys: keys))))
    }

    /// Draws from each bucket; a trip is audited and answered with a 429 problem.
    private func limit(_ buckets: [RateLimiter.Bucket]) async throws {
        do {
            try await rateLimiter.consume(buckets, logger: requestLogger)
        } catch let error as AppError where error.kind == .rateLimited {
            await accounts.audit.record(
                .rateLimited, userID: nil, origin: try request.origin, details: error.headers[.rateLimitPolicy], logger: requestLogger)
            throw error
        }
    }

    private func ipBucket(_ action: String) throws -> RateLimiter.Bucket {
        let ip = try request.context.remoteAddress ?? "unknown"
        return RateLimiter.Bucket(key: "\(action):ip:\(ip)", name: "\(action)-ip", policy: settings.ipLimit)
    }

    private func accountBucket(_ action: String, email: String) -> RateLimiter.Bucket {
        RateLimiter.Bucket(key: "\(action):account:\(SecureToken.hash(email))", name: "\(action)-account", policy: settings.accountLimit)
    }
}
