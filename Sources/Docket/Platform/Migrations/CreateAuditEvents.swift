import FluentKit
import SQLKit

/// The security audit log: who did what, from where, in which request. Never a secret.
struct CreateAuditEvents: AsyncMigration {
    var name: String { "2026-11-22-create-audit-events" }

    func prepare(on database: any Database) async throws {
        try await database.schema("audit_events")
            .id()
            .field("event_type", .string, .required)
            .field("user_id", .uuid)
            .field("ip", .string)
            .field("user_agent", .string)
            .field("request_id", .string)
            .field("details", .string)
            .field("created_at", .datetime, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "audit_events_user_idx").on("audit_events").column("user_id").column("created_at").run()
        try await sql.create(index: "audit_events_type_idx").on("audit_events").column("event_type").column("created_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("audit_events").delete()
    }
}
