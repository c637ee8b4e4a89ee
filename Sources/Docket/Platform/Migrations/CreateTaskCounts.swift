import FluentKit
import SQLKit

/// How many tasks each account holds, kept in the same transaction as every insert and delete, so the per-account
/// quota is one row read instead of a count over the account's tasks. Filled from the tasks that exist.
struct CreateTaskCounts: AsyncMigration {
    var name: String { "2026-12-03-create-task-counts" }

    func prepare(on database: any Database) async throws {
        try await database.schema("task_counts")
            .field("user_id", .uuid, .identifier(auto: false), .references("users", "id", onDelete: .cascade))
            .field("held", .int64, .required)
            .create()
        try await (database as! any SQLDatabase).raw(
            "INSERT INTO task_counts (user_id, held) SELECT user_id, COUNT(*) FROM tasks GROUP BY user_id"
        ).run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("task_counts").delete()
    }
}
