import FluentKit

/// Remembered `Idempotency-Key`s of task creation: which request they belonged to and what was answered.
struct CreateIdempotencyKeys: AsyncMigration {
    var name: String { "2026-11-22-create-idempotency-keys" }

    func prepare(on database: any Database) async throws {
        try await database.schema("idempotency_keys")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("key", .string, .required)
            .field("request_hash", .string, .required)
            .field("task_id", .uuid, .required)
            .field("response_body", .string, .required)
            .field("created_at", .int64, .required)
            .unique(on: "user_id", "key", name: "idempotency_keys_user_key")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("idempotency_keys").delete()
    }
}
