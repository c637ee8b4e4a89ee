import FluentKit
import SQLKit

/// Personal access tokens for agents and scripts, stored only as SHA-256 hashes, with their scopes and last use.
struct CreatePersonalAccessTokens: AsyncMigration {
    var name: String { "2026-12-02-create-personal-access-tokens" }

    func prepare(on database: any Database) async throws {
        try await database.schema("personal_access_tokens")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("token_hash", .string, .required)
            .field("prefix", .string, .required)
            .field("scopes", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("last_used_at", .datetime)
            .field("last_used_ip", .string)
            .field("revoked_at", .datetime)
            .unique(on: "token_hash", name: "personal_access_tokens_hash_key")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "personal_access_tokens_user_idx").on("personal_access_tokens").column("user_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("personal_access_tokens").delete()
    }
}
