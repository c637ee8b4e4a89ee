import FluentKit
import SQLKit

/// The relay's progress (`event_streams.published_seq`), leases, the consumers' inbox, offsets and dead letters, and
/// the statistics read model the `stats` consumer maintains.
struct CreateEventConsumers: AsyncMigration {
    var name: String { "2026-12-02-create-event-consumers" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        // Existing events count as not yet published: a broker configured later receives what the outbox still holds.
        try await sql.raw("ALTER TABLE event_streams ADD COLUMN published_seq BIGINT NOT NULL DEFAULT 0").run()
        try await sql.raw("CREATE INDEX event_streams_unpublished ON event_streams (user_id) WHERE last_seq > published_seq").run()
        try await database.schema("leases")
            .field("name", .string, .identifier(auto: false))
            .field("holder", .string, .required)
            .field("expires_at", .int64, .required)
            .create()
        try await database.schema("consumer_inbox")
            .field("consumer", .string, .required)
            .field("message_id", .string, .required)
            .field("processed_at", .int64, .required)
            .compositeIdentifier(over: "consumer", "message_id")
            .create()
        try await sql.create(index: "consumer_inbox_time_idx").on("consumer_inbox").column("processed_at").run()
        try await database.schema("consumer_offsets")
            .field("consumer", .string, .required)
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("seq", .int64, .required)
            .compositeIdentifier(over: "consumer", "user_id")
            .create()
        try await database.schema("dead_letters")
            .id()
            .field("consumer", .string, .required)
            .field("message_id", .string, .required)
            .field("user_id", .uuid)
            .field("payload", .string, .required)
            .field("error", .string, .required)
            .field("attempts", .int, .required)
            .field("created_at", .int64, .required)
            .create()
        try await database.schema("stats_tasks")
            .field("task_id", .uuid, .identifier(auto: false))
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("status", .string, .required)
            .field("priority", .string, .required)
            .field("due_date", .string)
            .field("deleted", .bool, .required)
            .field("last_seq", .int64, .required)
            .create()
        try await sql.create(index: "stats_tasks_user_idx").on("stats_tasks").column("user_id").run()
        try await database.schema("stats_completions")
            .field("event_id", .string, .identifier(auto: false))
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("day", .string, .required)
            .create()
        try await sql.create(index: "stats_completions_user_day_idx").on("stats_completions").column("user_id").column("day").run()
        try await database.schema("stats_heads")
            .field("user_id", .uuid, .identifier(auto: false), .references("users", "id", onDelete: .cascade))
            .field("as_of_seq", .int64, .required)
            .field("as_of_time", .int64, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        for table in ["stats_heads", "stats_completions", "stats_tasks", "dead_letters", "consumer_offsets", "consumer_inbox", "leases"] {
            try await database.schema(table).delete()
        }
        let sql = database as! any SQLDatabase
        try await sql.raw("DROP INDEX event_streams_unpublished").run()
        try await sql.raw("ALTER TABLE event_streams DROP COLUMN published_seq").run()
    }
}
