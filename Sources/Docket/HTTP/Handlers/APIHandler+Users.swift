import DocketAPI
import Foundation

extension APIHandler {
    func getCurrentUser(_ input: Operations.GetCurrentUser.Input) async throws -> Operations.GetCurrentUser.Output {
        let user = try await requireAccount(.scope(.profileRead))
        return .ok(.init(body: .json(try Components.Schemas.User(user))))
    }

    func updateCurrentUser(_ input: Operations.UpdateCurrentUser.Input) async throws -> Operations.UpdateCurrentUser.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let caller = try await requireUser(.session)
        let user = try await accounts.account(id: caller.id, logger: requestLogger)
        try await accounts.rename(user, to: body.name, source: try changeSource(caller), logger: requestLogger)
        return .ok(.init(body: .json(try Components.Schemas.User(user))))
    }

    func changePassword(_ input: Operations.ChangePassword.Input) async throws -> Operations.ChangePassword.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let user = try await requireAccount(.session)
        try await accounts.changePassword(
            of: user, current: body.currentPassword, new: body.newPassword, origin: try request.origin, logger: requestLogger)
        return .noContent(.init())
    }

    func deactivateCurrentUser(_ input: Operations.DeactivateCurrentUser.Input) async throws -> Operations.DeactivateCurrentUser.Output {
        let user = try await requireAccount(.session)
        try await accounts.setActive(false, user: user, origin: try request.origin, logger: requestLogger)
        return .noContent(.init())
    }
}
