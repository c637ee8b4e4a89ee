import FluentKit
import SQLKit

/// The transactional outbox: one row per committed change, numbered per user (`event_streams` holds each user's last
/// number, so numbers are gapless and follow commit order).
struct CreateEvents: AsyncMigration {
    var name: String { "2026-12-02-create-events" }

    func prepare(on database: any Database) async throws {
        try await database.schema("event_streams")
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("last_seq", .int64, .required)
            .unique(on: "user_id")
            .create()
        try await database.schema("events")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("seq", .int64, .required)
            .field("type", .string, .required)
            .field("subject", .string, .required)
            .field("occurred_at", .int64, .required)
            .field("actor_type", .string, .required)
            .field("actor_id", .string)
            .field("actor_tool", .string)
            .field("request_id", .string)
            .field("schema_version", .int, .required)
            .field("data", .string, .required)
            .unique(on: "user_id", "seq")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "events_time_idx").on("events").column("occurred_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("events").delete()
        try await database.schema("event_streams").delete()
    }
}
