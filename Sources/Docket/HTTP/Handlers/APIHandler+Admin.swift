import DocketAPI
import Foundation

extension APIHandler {
    func listUsers(_ input: Operations.ListUsers.Input) async throws -> Operations.ListUsers.Output {
        _ = try await requireAdmin()
        let (limit, offset) = try Paging.validate(limit: input.query.limit, offset: input.query.offset)
        let role = input.query.role.map { UserRole(rawValue: $0.rawValue) ?? .user }
        let (users, total) = try await accounts.list(
            emailContains: input.query.email, role: role, limit: limit, offset: offset, logger: requestLogger)
        return .ok(.init(body: .json(.init(items: try users.map(Components.Schemas.User.init), total: total, limit: limit, offset: offset))))
    }

    func updateUser(_ input: Operations.UpdateUser.Input) async throws -> Operations.UpdateUser.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let admin = try await requireAdmin()
        guard let id = UUID(uuidString: input.path.id) else { throw AppError(.badRequest, "The id is not a UUID.") }
        let user = try await accounts.existingAccount(id: id, logger: requestLogger)
        let origin = try request.origin
        if let role = body.role.flatMap({ UserRole(rawValue: $0.rawValue) }) {
            try await accounts.setRole(role, of: user, actor: admin.id, origin: origin, logger: requestLogger)
        }
        if let active = body.active {
            try await accounts.setActive(active, user: user, actor: admin.id, origin: origin, logger: requestLogger)
        }
        return .ok(.init(body: .json(try Components.Schemas.User(user))))
    }

    func listAuditEvents(_ input: Operations.ListAuditEvents.Input) async throws -> Operations.ListAuditEvents.Output {
        _ = try await requireAdmin()
        let (limit, offset) = try Paging.validate(limit: input.query.limit, offset: input.query.offset)
        var userID: UUID?
        if let text = input.query.userId {
            guard let id = UUID(uuidString: text) else {
                throw AppError.validation([FieldError(pointer: "#/query/user_id", message: "must be a UUID")])
            }
            userID = id
        }
        let type = input.query.eventType.flatMap { AuditEventType(rawValue: $0.rawValue) }
        let (events, total) = try await audit.list(userID: userID, type: type, limit: limit, offset: offset, logger: requestLogger)
        return .ok(.init(body: .json(.init(items: try events.map(Components.Schemas.AuditEvent.init), total: total, limit: limit, offset: offset))))
    }
}

extension APIHandler {
    func listSagas(_ input: Operations.ListSagas.Input) async throws -> Operations.ListSagas.Output {
        _ = try await requireAdmin()
        let (limit, _) = try Paging.validate(limit: input.query.limit, offset: nil)
        let state = input.query.state.flatMap { SagaState(rawValue: $0.rawValue) }
        let found = try await sagas.list(state: state, limit: limit, logger: requestLogger)
        return .ok(.init(body: .json(.init(items: found.map(Components.Schemas.Saga.init)))))
    }

    func retrySaga(_ input: Operations.RetrySaga.Input) async throws -> Operations.RetrySaga.Output {
        _ = try await requireAdmin()
        let saga = try await sagas.retry(try Self.sagaID(input.path.id), logger: requestLogger)
        return .accepted(.init(body: .json(.init(saga))))
    }
}
