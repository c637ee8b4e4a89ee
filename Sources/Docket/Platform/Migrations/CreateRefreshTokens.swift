import FluentKit
import SQLKit

/// Refresh tokens, stored only as SHA-256 hashes, grouped into rotation families.
struct CreateRefreshTokens: AsyncMigration {
    var name: String { "2026-11-22-create-refresh-tokens" }

    func prepare(on database: any Database) async throws {
        try await database.schema("refresh_tokens")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("family_id", .uuid, .required)
            .field("token_hash", .string, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .field("revoked_at", .datetime)
            .field("created_at", .datetime, .required)
            .unique(on: "token_hash", name: "refresh_tokens_hash_key")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "refresh_tokens_family_idx").on("refresh_tokens").column("family_id").run()
        try await sql.create(index: "refresh_tokens_user_idx").on("refresh_tokens").column("user_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("refresh_tokens").delete()
    }
}
