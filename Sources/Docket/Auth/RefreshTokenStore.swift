import FluentKit
import Foundation
import Logging
import SQLKit

/// Storage of refresh tokens: issue, rotate exactly once, revoke by family or by account.
struct RefreshTokenStore: Sendable {
    let database: DocketDatabase
    /// Idle lifetime: a token not rotated within it expires (never past its session's absolute expiry).
    let lifetime: TimeInterval

    /// Stores a new token in session `familyID` and returns the plaintext to hand out once.
    func issue(userID: UUID, familyID: UUID, sessionExpiresAt: Date, on sql: (any SQLDatabase)? = nil, logger: Logger) async throws -> String {
        let token = SecureToken.generate()
        let now = Date()
        let expiresAt = min(now.addingTimeInterval(lifetime), sessionExpiresAt)
        try await (sql ?? database.sql(logger: logger)).insert(into: RefreshTokenModel.schema)
            .columns("id", "user_id", "family_id", "token_hash", "expires_at", "created_at")
            .values(SQLBind(UUID()), SQLBind(userID), SQLBind(familyID), SQLBind(SecureToken.hash(token)), SQLBind(expiresAt), SQLBind(now))
            .run()
        return token
    }

    /// The outcome of presenting a refresh token.
    enum Rotation: Sendable {
        /// The token was live and its account active: it is now used, and `token` is its successor in the same session.
        case rotated(user: UserModel, familyID: UUID, token: String)
        /// The token had been used before: its whole session is now revoked (`revoked` live tokens with it).
        case reused(userID: UUID, familyID: UUID, revoked: Int)
        case invalid
    }

    /// Uses `token` and issues its successor, or detects a reuse and revokes the session, in one transaction that
    /// first locks the session's row: two rotations of one family take turns, so a successor can never be issued into
    /// a session that reuse detection has revoked.
    func rotate(_ token: String, logger: Logger) async throws -> Rotation {
        let hash = SecureToken.hash(token)
        guard let stored = try await RefreshTokenModel.query(on: database.database(logger: logger)).filter(\.$tokenHash == hash).first(),
            SecureToken.constantTimeEquals(stored.tokenHash, hash), let tokenID = stored.id
        else { return .invalid }
        let userID = stored.userID
        let familyID = stored.familyID
        return try await database.transaction(logger: logger) { sql in
            let now = Date()
            // Touching the row locks it (PostgreSQL) until commit; on SQLite the write transaction is exclusive anyway.
            guard
                let session = try await sql.update("sessions").set("last_used_at", to: SQLBind(now))
                    .where("id", .equal, SQLBind(familyID)).returning("expires_at", "revoked_at").first()
            else { return .invalid }
            let sessionExpiresAt = try session.decode(column: "expires_at", as: Date.self)
            if try !session.decodeNil(column: "revoked_at") || sessionExpiresAt <= now { return .invalid }
            let claimed = try await sql.update(RefreshTokenModel.schema).set("used_at", to: SQLBind(now))
                .where("id", .equal, SQLBind(tokenID)).where("used_at", .is, SQLLiteral.null).where("revoked_at", .is, SQLLiteral.null)
                .where("expires_at", .greaterThan, SQLBind(now))
                .returning("id").all()
            if !claimed.isEmpty {
                // The account is read on the same connection: a rotation that committed never fails afterwards for want
                // of a pooled connection (its client would be left holding a used token).
                guard let user = try await UserModel.find(userID, on: sql as! any Database), user.isActive else {
                    try await sql.update("sessions").set("revoked_at", to: SQLBind(now)).where("id", .equal, SQLBind(familyID)).run()
                    _ = try await revoke(column: "family_id", value: familyID, on: sql)
                    return .invalid
                }
                let successor = try await issue(userID: userID, familyID: familyID, sessionExpiresAt: sessionExpiresAt, on: sql, logger: logger)
                return .rotated(user: user, familyID: familyID, token: successor)
            }
            guard
                let current = try await sql.select().column("used_at").from(RefreshTokenModel.schema).where("id", .equal, SQLBind(tokenID)).first(),
                try !current.decodeNil(column: "used_at")
            else { return .invalid }
            try await sql.update("sessions").set("revoked_at", to: SQLBind(now)).where("id", .equal, SQLBind(familyID)).run()
            let revoked = try await revoke(column: "family_id", value: familyID, on: sql)
            return .reused(userID: userID, familyID: familyID, revoked: revoked)
        }
    }

    /// Revokes every live token of one family; returns how many.
    @discardableResult
    func revokeFamily(_ familyID: UUID, logger: Logger) async throws -> Int {
        try await revoke(column: "family_id", value: familyID, on: database.sql(logger: logger))
    }

    /// Revokes every live token of an account; returns how many.
    @discardableResult
    func revokeAll(userID: UUID, logger: Logger) async throws -> Int {
        try await revoke(column: "user_id", value: userID, on: database.sql(logger: logger))
    }

    private func revoke(column: String, value: UUID, on sql: any SQLDatabase) async throws -> Int {
        try await sql.update(RefreshTokenModel.schema)
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
