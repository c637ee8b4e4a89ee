import FluentKit
import SQLKit

/// The agent activity log: one row per MCP tool call.
struct CreateToolCalls: AsyncMigration {
    var name: String { "2026-12-02-create-tool-calls" }

    func prepare(on database: any Database) async throws {
        try await database.schema("tool_calls")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("token_id", .uuid)
            .field("client_name", .string)
            .field("client_version", .string)
            .field("session_id", .string)
            .field("tool", .string, .required)
            .field("arguments", .string, .required)
            .field("outcome", .string, .required)
            .field("error_type", .string)
            .field("duration_ms", .double, .required)
            .field("request_id", .string)
            .field("job_id", .uuid)
            .field("created_at", .int64, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "tool_calls_user_idx").on("tool_calls").column("user_id").column("created_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("tool_calls").delete()
    }
}
