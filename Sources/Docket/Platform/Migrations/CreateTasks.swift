import FluentKit
import SQLKit

/// Tasks, with sort keys stored so every listing order has an index that starts with the owner.
struct CreateTasks: AsyncMigration {
    var name: String { "2026-11-22-create-tasks" }

    func prepare(on database: any Database) async throws {
        try await database.schema("tasks")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("title", .string, .required)
            .field("description", .string)
            .field("status", .string, .required)
            .field("priority", .string, .required)
            .field("priority_rank", .int, .required)
            .field("due_date", .string)
            .field("due_asc", .string, .required)
            .field("due_desc", .string, .required)
            .field("completed_at", .int64)
            .field("created_at", .int64, .required)
            .field("updated_at", .int64, .required)
            .field("version", .int, .required)
            .create()
        let sql = database as! any SQLDatabase
        for column in ["created_at", "updated_at", "priority_rank", "due_asc", "due_desc"] {
            try await sql.create(index: "tasks_user_\(column)_idx").on("tasks").column("user_id").column(column).column("id").run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("tasks").delete()
    }
}
