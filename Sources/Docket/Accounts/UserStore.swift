import FluentKit
import FluentSQL
import Foundation
import Logging
import SQLKit

/// Storage of accounts.
struct UserStore: Sendable {
    let database: DocketDatabase

    /// Inserts `user`; a taken email becomes a 409 problem.
    func create(_ user: UserModel, logger: Logger) async throws {
        do {
            try await user.create(on: database.database(logger: logger))
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw AppError(.conflict, "An account with this email already exists.")
        }
    }

    /// The account with `email`, deactivated or not.
    func find(email: EmailAddress, logger: Logger) async throws -> UserModel? {
        try await UserModel.query(on: database.database(logger: logger)).filter(\.$email == email.value).first()
    }

    /// The account with `id`, deactivated or not.
    func find(id: UUID, logger: Logger) async throws -> UserModel? {
        try await UserModel.find(id, on: database.database(logger: logger))
    }

    /// The account with `id`, or a 401 (the token's account no longer exists).
    func require(id: UUID, logger: Logger) async throws -> UserModel {
        guard let user = try await find(id: id, logger: logger) else {
            throw AppError.unauthorized("The account no longer exists.", invalidToken: true)
        }
        return user
    }

    /// Saves changes to `user`, stamping `updated_at`.
    func save(_ user: UserModel, logger: Logger) async throws {
        user.updatedAt = Date()
        try await user.save(on: database.database(logger: logger))
    }

    /// One page of accounts matching the filters, newest first, and how many match in all.
    func list(emailContains: String?, role: UserRole?, limit: Int, offset: Int, logger: Logger) async throws -> ([UserModel], Int) {
        let db = database.database(logger: logger)
        var query = UserModel.query(on: db)
        if let emailContains, !emailContains.isEmpty {
            let pattern = "%" + LikePattern.escape(emailContains.lowercased()) + "%"
            query = query.filter(.sql(embed: "\(ident: "email") LIKE \(bind: pattern) ESCAPE '\\'"))
        }
        if let role { query = query.filter(\.$role == role.rawValue) }
        let total = try await query.copy().count()
        let page = try await query.sort(\.$createdAt, .descending).sort(\.$id).range(offset..<(offset + limit)).all()
        return (page, total)
    }
}
