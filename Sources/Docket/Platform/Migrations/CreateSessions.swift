import FluentKit
import SQLKit

/// Sign-in sessions: one row per refresh-token family, with an absolute expiry and a revocation that access tokens
/// (through their `sid` claim) and refresh tokens both obey. Families that exist already become sessions that end when
/// their newest refresh token would have expired.
struct CreateSessions: AsyncMigration {
    var name: String { "2026-12-02-create-sessions" }

    func prepare(on database: any Database) async throws {
        try await database.schema("sessions")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("created_at", .datetime, .required)
            .field("last_used_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("revoked_at", .datetime)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "sessions_user_idx").on("sessions").column("user_id").run()
        try await sql.raw(
            """
            INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at)
            SELECT family_id, user_id, MIN(created_at), MAX(created_at), MAX(expires_at) FROM refresh_tokens
            WHERE revoked_at IS NULL GROUP BY family_id, user_id
            """
        ).run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("sessions").delete()
    }
}
