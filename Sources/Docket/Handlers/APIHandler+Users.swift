import DocketAPI
import Foundation

extension APIHandler {
    func getCurrentUser(_ input: Operations.GetCurrentUser.Input) async throws -> Operations.GetCurrentUser.Output {
        let caller = try await requireUser()
        let user = try await accounts.users.require(id: caller.id, logger: requestLogger)
        return .ok(.init(body: .json(try Components.Schemas.User(user))))
    }

    func updateCurrentUser(_ input: Operations.UpdateCurrentUser.Input) async throws -> Operations.UpdateCurrentUser.Output {
        guard case .json(let body) = input.body else { throw AppError(.unsupportedMediaType, "Send application/json.") }
        let caller = try await requireUser()
        var errors: [FieldError] = []
        let name = CredentialRules.name(body.name, into: &errors)
        try CredentialRules.check(errors)
        let user = try await accounts.users.require(id: caller.id, logger: requestLogger)
        user.name = name
        try await accounts.users.save(user, logger: requestLogger)
        return .ok(.init(body: .json(try Components.Schemas.User(user))))
    }

    func changePassword(_ input: Operations.ChangePassword.Input) async throws -> Operations.ChangePassword.Output {
        guard case .json(let body) = input.body else { throw AppError(.unsupportedMediaType, "Send application/json.") }
        let caller = try await requireUser()
        let user = try await accounts.users.require(id: caller.id, logger: requestLogger)
        try await accounts.changePassword(
            of: user, current: body.currentPassword, new: body.newPassword, origin: try request.origin, logger: requestLogger)
        return .noContent(.init())
    }

    func deactivateCurrentUser(_ input: Operations.DeactivateCurrentUser.Input) async throws -> Operations.DeactivateCurrentUser.Output {
        let caller = try await requireUser()
        let user = try await accounts.users.require(id: caller.id, logger: requestLogger)
        try await accounts.setActive(false, user: user, origin: try request.origin, logger: requestLogger)
        return .noContent(.init())
    }
}
