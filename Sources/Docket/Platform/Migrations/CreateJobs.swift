import FluentKit
import SQLKit

/// The durable job queue: one row per job, claimed with a lease, retried with backoff, kept after it finishes.
struct CreateJobs: AsyncMigration {
    var name: String { "2026-12-02-create-jobs" }

    func prepare(on database: any Database) async throws {
        try await database.schema("jobs")
            .id()
            .field("kind", .string, .required)
            .field("user_id", .uuid, .references("users", "id", onDelete: .cascade))
            .field("payload", .string, .required)
            .field("state", .string, .required)
            .field("attempts", .int, .required)
            .field("max_attempts", .int, .required)
            .field("run_at", .int64, .required)
            .field("lease_owner", .string)
            .field("lease_expires_at", .int64)
            .field("cancel_requested", .bool, .required)
            .field("progress_done", .int, .required)
            .field("progress_total", .int)
            .field("checkpoint", .string)
            .field("result", .string)
            .field("error", .string)
            .field("created_at", .int64, .required)
            .field("updated_at", .int64, .required)
            .field("started_at", .int64)
            .field("finished_at", .int64)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "jobs_claim_idx").on("jobs").column("state").column("run_at").run()
        try await sql.create(index: "jobs_user_idx").on("jobs").column("user_id").column("created_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("jobs").delete()
    }
}
