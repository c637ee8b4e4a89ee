import FluentKit
import SQLKit

/// Sagas: multi-step operations (account deletion, …) whose progress lives in the database, so any node can resume
/// or compensate one after a crash. `user_id` has no foreign key: a finished account deletion outlives its account.
struct CreateSagas: AsyncMigration {
    var name: String { "2026-12-03-create-sagas" }

    func prepare(on database: any Database) async throws {
        try await database.schema("sagas")
            .id()
            .field("kind", .string, .required)
            .field("user_id", .uuid, .required)
            .field("state", .string, .required)
            .field("step", .int, .required)
            .field("data", .string, .required)
            .field("job_id", .uuid, .required)
            .field("error", .string)
            .field("resume_at", .int64)
            .field("created_at", .int64, .required)
            .field("updated_at", .int64, .required)
            .field("finished_at", .int64)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "sagas_user_idx").on("sagas").column("user_id").column("created_at").run()
        try await sql.create(index: "sagas_state_idx").on("sagas").column("state").column("updated_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("sagas").delete()
    }
}
