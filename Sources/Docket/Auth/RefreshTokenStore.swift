import FluentKit
import Foundation
import Logging
import SQLKit

/// Storage of refresh tokens: issue, rotate exactly once, revoke by family or by account.
struct RefreshTokenStore: Sendable {
    let database: DocketDatabase
    let lifetime: TimeInterval

    /// Stores a new token in `familyID` (a new family when nil) and returns the plaintext to hand out once.
    func issue(userID: UUID, familyID: UUID? = nil, logger: Logger) async throws -> String {
        let token = SecureToken.generate()
        let now = Date()
        let model = RefreshTokenModel(
            userID: userID, familyID: familyID ?? UUID(), tokenHash: SecureToken.hash(token), expiresAt: now.addingTimeInterval(lifetime), now: now)
        try await model.create(on: database.database(logger: logger))
        return token
    }

    /// The outcome of presenting a refresh token.
    enum Redemption {
        case valid(RefreshTokenModel)
        case reused(RefreshTokenModel)
        case invalid
    }

    /// Marks `token` used if it is live; a token that was already used is reported as reuse.
    func redeem(_ token: String, logger: Logger) async throws -> Redemption {
        let hash = SecureToken.hash(token)
        let db = database.database(logger: logger)
        guard let stored = try await RefreshTokenModel.query(on: db).filter(\.$tokenHash == hash).first(),
            SecureToken.constantTimeEquals(stored.tokenHash, hash)
        else { return .invalid }
        if stored.revokedAt != nil { return stored.usedAt != nil ? .reused(stored) : .invalid }
        if stored.usedAt != nil { return .reused(stored) }
        if stored.expiresAt <= Date() { return .invalid }
        // Only one concurrent redemption can flip used_at; the loser is treated as a reuse.
        let claimed = try await database.sql(logger: logger).update(RefreshTokenModel.schema)
            .set("used_at", to: SQLBind(Date()))
            .where("id", .equal, SQLBind(stored.id!))
            .where("used_at", .is, SQLLiteral.null)
            .returning("id")
            .all()
        return claimed.isEmpty ? .reused(stored) : .valid(stored)
    }

    /// Revokes every live token of one family; returns how many.
    @discardableResult
    func revokeFamily(_ familyID: UUID, logger: Logger) async throws -> Int {
        try await revoke(column: "family_id", value: familyID, logger: logger)
    }

    /// Revokes every live token of an account; returns how many.
    @discardableResult
    func revokeAll(userID: UUID, logger: Logger) async throws -> Int {
        try await revoke(column: "user_id", value: userID, logger: logger)
    }

    private func revoke(column: String, value: UUID, logger: Logger) async throws -> Int {
        try await database.sql(logger: logger).update(RefreshTokenModel.schema)
            .set("revoked_at", to: SQLBind(Date()))
            .where(SQLIdentifier(column), .equal, SQLBind(value))
            .where("revoked_at", .is, SQLLiteral.null)
            .returning("id")
            .all().count
    }

    /// Finds the family of a plaintext token, if it is known.
    func family(of token: String, logger: Logger) async throws -> RefreshTokenModel? {
        let hash = SecureToken.hash(token)
        return try await RefreshTokenModel.query(on: database.database(logger: logger)).filter(\.$tokenHash == hash).first()
    }
}
