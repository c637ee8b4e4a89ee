import FluentKit
import Foundation
import Logging
import SQLKit

/// Single-use emailed tokens: issue, and consume exactly once before they expire.
struct OneTimeTokenStore: Sendable {
    let database: DocketDatabase

    /// Stores a new token and returns its plaintext (which goes only into the email); the account's older unused
    /// tokens of the same purpose stop working in the same transaction (only the newest link works).
    func issue(userID: UUID, purpose: OneTimeTokenPurpose, lifetime: Int, logger: Logger) async throws -> String {
        let token = SecureToken.generate()
        let now = Date()
        let model = OneTimeTokenModel(
            userID: userID, purpose: purpose, tokenHash: SecureToken.hash(token), expiresAt: now.addingTimeInterval(TimeInterval(lifetime)), now: now)
        try await database.transaction(logger: logger) { sql in
            try await sql.delete(from: OneTimeTokenModel.schema)
                .where("user_id", .equal, SQLBind(userID)).where("purpose", .equal, SQLBind(purpose.rawValue)).where("used_at", .is, SQLLiteral.null)
                .run()
            try await model.create(on: sql as! any Database)
        }
        return token
    }

    /// The account the token belongs to, marking it used; nil when unknown, used, expired or for another purpose.
    func consume(_ token: String, purpose: OneTimeTokenPurpose, logger: Logger) async throws -> UUID? {
        let hash = SecureToken.hash(token)
        guard
            let stored = try await OneTimeTokenModel.query(on: database.database(logger: logger))
                .filter(\.$tokenHash == hash).filter(\.$purpose == purpose.rawValue).first(),
            SecureToken.constantTimeEquals(stored.tokenHash, hash), stored.usedAt == nil, stored.expiresAt > Date()
        else { return nil }
        let claimed = try await database.sql(logger: logger).update(OneTimeTokenModel.schema)
            .set("used_at", to: SQLBind(Date()))
            .where("id", .equal, SQLBind(stored.id!))
            .where("used_at", .is, SQLLiteral.null)
            .returning("id")
            .all()
        return claimed.isEmpty ? nil : stored.userID
    }
}
