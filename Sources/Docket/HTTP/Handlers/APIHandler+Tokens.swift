import DocketAPI
import Foundation

extension APIHandler {
    func listAccessTokens(_ input: Operations.ListAccessTokens.Input) async throws -> Operations.ListAccessTokens.Output {
        let caller = try await requireUser(.session)
        let tokens = try await personalTokens.list(owner: caller.id, logger: requestLogger)
        return .ok(.init(body: .json(.init(items: tokens.map(Components.Schemas.AccessToken.init)))))
    }

    func createAccessToken(_ input: Operations.CreateAccessToken.Input) async throws -> Operations.CreateAccessToken.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let caller = try await requireUser(.session)
        try await sessions.requireRecentSignIn(caller, within: settings.recentSignInSeconds, logger: requestLogger)
        let created = try await personalTokens.create(
            owner: caller.id, name: body.name, scopes: body.scopes.compactMap { TokenScope(rawValue: $0.rawValue) },
            expiresInDays: body.expiresInDays ?? 30, origin: try request.origin, logger: requestLogger)
        return .created(.init(body: .json(.init(value1: .init(created.stored), value2: .init(token: created.token)))))
    }

    func revokeAccessToken(_ input: Operations.RevokeAccessToken.Input) async throws -> Operations.RevokeAccessToken.Output {
        let caller = try await requireUser(.session)
        guard let id = UUID(uuidString: input.path.id) else { throw AppError(.badRequest, "The token id is not a UUID.") }
        try await personalTokens.revoke(id, owner: caller.id, origin: try request.origin, logger: requestLogger)
        await events.outbox.closeFeeds(of: caller.id, logger: requestLogger)  // Feeds opened with the token end too.
        return .noContent(.init())
    }
}
