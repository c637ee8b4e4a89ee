import FluentKit

/// Single-use, expiring tokens for email verification and password reset, stored hashed.
struct CreateOneTimeTokens: AsyncMigration {
    var name: String { "2026-11-22-create-one-time-tokens" }

    func prepare(on database: any Database) async throws {
        try await database.schema("one_time_tokens")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("purpose", .string, .required)
            .field("token_hash", .string, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .field("created_at", .datetime, .required)
            .unique(on: "token_hash", name: "one_time_tokens_hash_key")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("one_time_tokens").delete()
    }
}
