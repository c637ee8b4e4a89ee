import DocketAPI
import Foundation

extension APIHandler {
    func register(_ input: Operations.Register.Input) async throws -> Operations.Register.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let request = try self.request
        try await limit([ipBucket("register")])
        let signedIn = try await sessions.register(
            email: body.email, password: body.password, name: body.name, origin: request.origin, logger: requestLogger)
        return .created(.init(body: .json(try Components.Schemas.TokenPair(signedIn))))
    }

    func login(_ input: Operations.Login.Input) async throws -> Operations.Login.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let request = try self.request
        let email = EmailAddress(body.email)
        try await limit([ipBucket("login"), accountBucket("login", email: email)])
        let signedIn = try await sessions.login(email: email, password: body.password, origin: request.origin, logger: requestLogger)
        return .ok(.init(body: .json(try Components.Schemas.TokenPair(signedIn))))
    }

    func refreshTokens(_ input: Operations.RefreshTokens.Input) async throws -> Operations.RefreshTokens.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let request = try self.request
        try await limit([ipBucket("refresh")])
        let signedIn = try await sessions.refresh(token: body.refreshToken, origin: request.origin, logger: requestLogger)
        return .ok(.init(body: .json(try Components.Schemas.TokenPair(signedIn))))
    }

    func logout(_ input: Operations.Logout.Input) async throws -> Operations.Logout.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        try await sessions.logout(token: body.refreshToken, origin: try request.origin, logger: requestLogger)
        return .noContent(.init())
    }

    func logoutAll(_ input: Operations.LogoutAll.Input) async throws -> Operations.LogoutAll.Output {
        let caller = try await requireUser(.session)
        try await sessions.logoutEverywhere(userID: caller.id, origin: try request.origin, logger: requestLogger)
        return .noContent(.init())
    }

    func requestEmailVerification(_ input: Operations.RequestEmailVerification.Input) async throws
        -> Operations.RequestEmailVerification.Output
    {
        let caller = try await requireUser(.session)
        try await limit([
            userBucket("verification-email", userID: caller.id, policy: settings.emailAccountLimit),
            ipBucket("email", policy: settings.emailIPLimit),
        ])
        try await emailLinks.sendVerification(userID: caller.id, origin: try request.origin, logger: requestLogger)
        return .accepted(.init())
    }

    func confirmEmailVerification(_ input: Operations.ConfirmEmailVerification.Input) async throws
        -> Operations.ConfirmEmailVerification.Output
    {
        let body =
            switch input.body {
            case .json(let body): body
            }
        try await emailLinks.confirmVerification(token: body.token, origin: try request.origin, logger: requestLogger)
        return .noContent(.init())
    }

    func requestPasswordReset(_ input: Operations.RequestPasswordReset.Input) async throws -> Operations.RequestPasswordReset.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let email = EmailAddress(body.email)
        try await limit([
            ipBucket("password-reset"), ipBucket("email", policy: settings.emailIPLimit),
            accountBucket("reset-email", email: email, policy: settings.emailAccountLimit),
        ])
        try await emailLinks.sendPasswordReset(email: email, origin: try request.origin, logger: requestLogger)
        return .accepted(.init())
    }

    func confirmPasswordReset(_ input: Operations.ConfirmPasswordReset.Input) async throws -> Operations.ConfirmPasswordReset.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        try await emailLinks.resetPassword(token: body.token, newPassword: body.newPassword, origin: try request.origin, logger: requestLogger)
        return .noContent(.init())
    }

    func getJWKS(_ input: Operations.GetJWKS.Input) async throws -> Operations.GetJWKS.Output {
        let keys = sessions.publicKeys.map { key in
            Components.Schemas.Jwk(kty: .okp, crv: .ed25519, x: key.x, kid: key.kid, use: .sig, alg: .edDSA)
        }
        return .ok(.init(body: .json(.init(keys: keys))))
    }
}

extension APIHandler {
    func getProtectedResourceMetadata(_ input: Operations.GetProtectedResourceMetadata.Input) async throws
        -> Operations.GetProtectedResourceMetadata.Output
    {
        .ok(
            .init(
                body: .json(
                    .init(
                        resource: "\(publicURL)/mcp", resourceName: "Docket MCP server", authorizationServers: [],
                        bearerMethodsSupported: ["header"],
                        scopesSupported: TokenScope.allCases.compactMap { Components.Schemas.TokenScope(rawValue: $0.rawValue) },
                        resourceDocumentation: "\(publicURL)/docs"))))
    }
}
