import DocketAPI
import FluentKit
import Foundation

extension APIHandler {
    func listUsers(_ input: Operations.ListUsers.Input) async throws -> Operations.ListUsers.Output {
        _ = try await requireAdmin()
        let (limit, offset) = try Paging.validate(limit: input.query.limit, offset: input.query.offset)
        let role = input.query.role.map { UserRole(rawValue: $0.rawValue) ?? .user }
        let (users, total) = try await accounts.users.list(
            emailContains: input.query.email, role: role, limit: limit, offset: offset, logger: requestLogger)
        return .ok(.init(body: .json(.init(items: try users.map(Components.Schemas.User.init), total: total, limit: limit, offset: offset))))
    }

    func updateUser(_ input: Operations.UpdateUser.Input) async throws -> Operations.UpdateUser.Output {
        guard case .json(let body) = input.body else { throw AppError(.unsupportedMediaType, "Send application/json.") }
        _ = try await requireAdmin()
        guard let id = UUID(uuidString: input.path.id) else { throw AppError(.badRequest, "The id is not a UUID.") }
        guard let user = try await accounts.users.find(id: id, logger: requestLogger) else { throw AppError.notFound("No such account.") }
        let origin = try request.origin
        if let role = body.role.flatMap({ UserRole(rawValue: $0.rawValue) }), role != user.userRole {
            user.role = role.rawValue
            try await accounts.users.save(user, logger: requestLogger)
            authenticator.forget(id)
            await accounts.audit.record(.roleChanged, userID: id, origin: origin, details: "now \(role.rawValue)", logger: requestLogger)
        }
        if let active = body.active {
            try await accounts.setActive(active, user: user, origin: origin, logger: requestLogger)
        }
        return .ok(.init(body: .json(try Components.Schemas.User(user))))
    }

    func listAuditEvents(_ input: Operations.ListAuditEvents.Input) async throws -> Operations.ListAuditEvents.Output {
        _ = try await requireAdmin()
        let (limit, offset) = try Paging.validate(limit: input.query.limit, offset: input.query.offset)
        var query = AuditEventModel.query(on: database.database(logger: requestLogger))
        if let text = input.query.userId {
            guard let userID = UUID(uuidString: text) else {
                throw AppError.validation([FieldError(pointer: "#/query/user_id", message: "must be a UUID")])
            }
            query = query.filter(\.$userID == userID)
        }
        if let type = input.query.eventType { query = query.filter(\.$eventType == type.rawValue) }
        let total = try await query.copy().count()
        let events = try await query.sort(\.$createdAt, .descending).sort(\.$id).range(offset..<(offset + limit)).all()
        return .ok(.init(body: .json(.init(items: try events.map(Components.Schemas.AuditEvent.init), total: total, limit: limit, offset: offset))))
    }
}

/// Limit/offset validation shared by every paged listing.
enum Paging {
    static func validate(limit: Int?, offset: Int?) throws -> (Int, Int) {
        let limit = limit ?? 20
        let offset = offset ?? 0
        var errors: [FieldError] = []
        if !(1...100).contains(limit) { errors.append(FieldError(pointer: "#/query/limit", message: "must be from 1 to 100")) }
        if offset < 0 || offset > 1_000_000 { errors.append(FieldError(pointer: "#/query/offset", message: "must be from 0 to 1000000")) }
        try CredentialRules.check(errors)
        return (limit, offset)
    }
}
