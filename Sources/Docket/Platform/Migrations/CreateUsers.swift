import FluentKit

/// Accounts: unique lower-cased email, Argon2id hash, role, deactivation and the access-token cut-off.
struct CreateUsers: AsyncMigration {
    var name: String { "2026-11-22-create-users" }

    func prepare(on database: any Database) async throws {
        try await database.schema("users")
            .id()
            .field("email", .string, .required)
            .field("name", .string, .required)
            .field("password_hash", .string, .required)
            .field("role", .string, .required)
            .field("email_verified_at", .datetime)
            .field("tokens_valid_after", .datetime, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("deleted_at", .datetime)
            .unique(on: "email", name: "users_email_key")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("users").delete()
    }
}
