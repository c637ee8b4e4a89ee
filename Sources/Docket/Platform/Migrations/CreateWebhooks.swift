import FluentKit
import SQLKit

/// Webhook endpoints, their deliveries (one per event and endpoint, each run as a job) and every delivery attempt.
struct CreateWebhooks: AsyncMigration {
    var name: String { "2026-12-02-create-webhooks" }

    func prepare(on database: any Database) async throws {
        try await database.schema("webhooks")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("url", .string, .required)
            .field("event_types", .string, .required)
            .field("description", .string)
            .field("enabled", .bool, .required)
            .field("disabled_reason", .string)
            .field("secret", .string, .required)
            .field("previous_secret", .string)
            .field("previous_secret_expires_at", .int64)
            .field("secret_rotated_at", .int64)
            .field("created_at", .int64, .required)
            .field("updated_at", .int64, .required)
            .create()
        try await database.schema("webhook_deliveries")
            .id()
            .field("webhook_id", .uuid, .required, .references("webhooks", "id", onDelete: .cascade))
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("event_id", .uuid, .required)
            .field("event_type", .string, .required)
            .field("body", .string, .required)
            .field("state", .string, .required)
            .field("created_at", .int64, .required)
            .field("updated_at", .int64, .required)
            .create()
        try await database.schema("webhook_attempts")
            .id()
            .field("delivery_id", .uuid, .required, .references("webhook_deliveries", "id", onDelete: .cascade))
            .field("attempted_at", .int64, .required)
            .field("status_code", .int)
            .field("latency_ms", .double, .required)
            .field("error", .string)
            .field("response_excerpt", .string)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "webhooks_user_idx").on("webhooks").column("user_id").run()
        try await sql.create(index: "webhook_deliveries_hook_idx").on("webhook_deliveries").column("webhook_id").column("created_at").run()
        try await sql.create(index: "webhook_attempts_delivery_idx").on("webhook_attempts").column("delivery_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("webhook_attempts").delete()
        try await database.schema("webhook_deliveries").delete()
        try await database.schema("webhooks").delete()
    }
}
