import DocketAPI
import Foundation
import OpenAPIRuntime

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
        // Guessing the current password is as rate-limited as guessing it at login.
        try await limit([ipBucket("password-check"), accountBucket("password-check", email: EmailAddress(user.email))])
        try await accounts.changePassword(
            of: user, current: body.currentPassword, new: body.newPassword, origin: try request.origin, logger: requestLogger)
        return .noContent(.init())
    }

    func deleteCurrentUser(_ input: Operations.DeleteCurrentUser.Input) async throws -> Operations.DeleteCurrentUser.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let user = try await requireAccount(.session)
        // Guessing the password here is as rate-limited as guessing it at sign-in.
        try await limit([ipBucket("password-check"), accountBucket("password-check", email: EmailAddress(user.email))])
        let saga = try await sagas.requestDeletion(of: user, password: body.password, origin: try request.origin, logger: requestLogger)
        return .accepted(.init(headers: .init(location: signedLocation(of: saga)), body: .json(.init(saga))))
    }

    func restoreAccount(_ input: Operations.RestoreAccount.Input) async throws -> Operations.RestoreAccount.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let email = EmailAddress(body.email)
        try await limit([ipBucket("login"), accountBucket("login", email: email)])
        let saga = try await sagas.restore(email: email, password: body.password, origin: try request.origin, logger: requestLogger)
        return .accepted(.init(headers: .init(location: signedLocation(of: saga)), body: .json(.init(saga))))
    }

    func getSaga(_ input: Operations.GetSaga.Input) async throws -> Operations.GetSaga.Output {
        let id = try Self.sagaID(input.path.id)
        if let signature = input.query.signature, let expires = input.query.expires {
            // The signed link a deletion's Location carries: its owner holds no token any more.
            guard exportLinks.verifySaga(id, expires: expires, signature: signature) else { throw AppError.notFound("No such saga.") }
            guard expires > Int64(Date().timeIntervalSince1970) else { throw AppError(.gone, "This link has expired; sign in to see the saga.") }
            return .ok(.init(body: .json(.init(try await sagas.view(id, logger: requestLogger)))))
        }
        let caller = try await requireUser(.session)
        let saga = try await sagas.view(id, owner: caller.id, logger: requestLogger)
        return .ok(.init(body: .json(.init(saga))))
    }

    /// Where the owner of an account being deleted follows the saga without a token: a signed link, good through the
    /// grace period and a week after it.
    func signedLocation(of saga: SagaView) -> String {
        let expires = Int64(Date().timeIntervalSince1970) + Int64(sagas.graceSeconds) + 7 * 86_400
        return exportLinks.sagaLocation(for: saga.id, expires: expires)
    }

    static func sagaID(_ text: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw AppError(.badRequest, "The saga id is not a UUID.") }
        return id
    }

    static func location(of saga: SagaView) -> String { "/api/v1/sagas/\(saga.id.uuidString.lowercased())" }
}

extension APIHandler {
    func exportCurrentUser(_ input: Operations.ExportCurrentUser.Input) async throws -> Operations.ExportCurrentUser.Output {
        let caller = try await requireUser(.session)
        let saga = try await sagas.requestExport(for: caller.id, origin: try request.origin, logger: requestLogger)
        return .accepted(.init(headers: .init(location: Self.location(of: saga)), body: .json(.init(saga))))
    }
}
