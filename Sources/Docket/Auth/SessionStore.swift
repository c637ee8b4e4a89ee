import Foundation
import Logging
import SQLKit

/// Sign-in sessions (one per refresh-token family): opened at sign-in with an absolute expiry, revoked by logout,
/// reuse detection or ending every session of an account. Access tokens carry the session's id (`sid`).
struct SessionStore: Sendable {
    let database: DocketDatabase
    /// How long a session may last from sign-in, however often it is refreshed.
    let maxAge: TimeInterval

    /// What a node needs to know about a session to accept its access tokens.
    struct Status: Sendable {
        let userID: UUID
        let live: Bool
    }

    /// Opens a session for `userID` and returns its id and absolute expiry.
    func open(userID: UUID, now: Date = Date(), logger: Logger) async throws -> (id: UUID, expiresAt: Date) {
        let id = UUID()
        let expiresAt = now.addingTimeInterval(maxAge)
        try await database.sql(logger: logger).insert(into: "sessions")
            .columns("id", "user_id", "created_at", "last_used_at", "expires_at")
            .values(SQLBind(id), SQLBind(userID), SQLBind(now), SQLBind(now), SQLBind(expiresAt))
            .run()
        return (id, expiresAt)
    }

    /// Whether the session exists, is not revoked and has not reached its absolute expiry.
    func status(of id: UUID, now: Date = Date(), logger: Logger) async throws -> Status? {
        guard
            let row = try await database.sql(logger: logger).select().columns("user_id", "expires_at", "revoked_at").from("sessions")
                .where("id", .equal, SQLBind(id)).first()
        else { return nil }
        let revoked = try row.decodeNil(column: "revoked_at") == false
        let expiresAt = try row.decode(column: "expires_at", as: Date.self)
        return Status(userID: try row.decode(column: "user_id", as: UUID.self), live: !revoked && expiresAt > now)
    }

    /// When the session was opened (the password was entered), or nil for no such session of `userID`.
    func signedInAt(_ id: UUID, userID: UUID, logger: Logger) async throws -> Date? {
        try await database.sql(logger: logger).select().column("created_at").from("sessions")
            .where("id", .equal, SQLBind(id)).where("user_id", .equal, SQLBind(userID)).first()?
            .decode(column: "created_at", as: Date.self)
    }

    /// Revokes one session; true when it was live.
    @discardableResult
    func revoke(_ id: UUID, on sql: (any SQLDatabase)? = nil, logger: Logger) async throws -> Bool {
        try await (sql ?? database.sql(logger: logger)).update("sessions").set("revoked_at", to: SQLBind(Date()))
            .where("id", .equal, SQLBind(id)).where("revoked_at", .is, SQLLiteral.null)
            .returning("id").all().count > 0
    }

    /// Revokes every live session of an account and returns their ids.
    func revokeAll(userID: UUID, logger: Logger) async throws -> [UUID] {
        try await database.sql(logger: logger).update("sessions").set("revoked_at", to: SQLBind(Date()))
            .where("user_id", .equal, SQLBind(userID)).where("revoked_at", .is, SQLLiteral.null)
            .returning("id").all().map { try $0.decode(column: "id", as: UUID.self) }
    }
}
