import FluentKit
import Foundation
import Logging
import SQLKit

/// Storage of personal access tokens; every query that a user's request drives is scoped by owner.
struct PersonalAccessTokenStore: Sendable {
    let database: DocketDatabase

    /// Inserts a new token.
    func create(_ token: PersonalAccessTokenModel, logger: Logger) async throws {
        try await token.create(on: database.database(logger: logger))
    }

    /// The token with this hash, revoked or not (the caller compares the hash in constant time and checks its state).
    func find(hash: String, logger: Logger) async throws -> PersonalAccessTokenModel? {
        try await PersonalAccessTokenModel.query(on: database.database(logger: logger)).filter(\.$tokenHash == hash).first()
    }

    /// The owner's tokens that are not revoked, newest first.
    func list(owner: UUID, logger: Logger) async throws -> [PersonalAccessTokenModel] {
        try await PersonalAccessTokenModel.query(on: database.database(logger: logger))
            .filter(\.$userID == owner).filter(\.$revokedAt == nil)
            .sort(\.$createdAt, .descending).sort(\.$id).all()
    }

    /// Revokes the owner's live token `id`; false when there is no such live token of theirs.
    func revoke(_ id: UUID, owner: UUID, logger: Logger) async throws -> Bool {
        try await !database.sql(logger: logger).update(PersonalAccessTokenModel.schema)
            .set("revoked_at", to: SQLBind(Date()))
            .where("id", .equal, SQLBind(id)).where("user_id", .equal, SQLBind(owner))
            .where("revoked_at", .is, SQLLiteral.null)
            .returning("id").all().isEmpty
    }

    /// Revokes every live token of an account; returns how many.
    @discardableResult
    func revokeAll(owner: UUID, logger: Logger) async throws -> Int {
        try await database.sql(logger: logger).update(PersonalAccessTokenModel.schema)
            .set("revoked_at", to: SQLBind(Date()))
            .where("user_id", .equal, SQLBind(owner)).where("revoked_at", .is, SQLLiteral.null)
            .returning("id").all().count
    }

    /// Records that the token was used at `date` from `ip`.
    func recordUse(_ id: UUID, at date: Date, ip: String?, logger: Logger) async throws {
        try await database.sql(logger: logger).update(PersonalAccessTokenModel.schema)
            .set("last_used_at", to: SQLBind(date)).set("last_used_ip", to: SQLBind(ip))
            .where("id", .equal, SQLBind(id))
            .run()
    }
}
