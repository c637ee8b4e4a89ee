import FluentKit
import SQLKit

/// Audit events name the acting account (`actor_id`, e.g. the admin who demoted someone), and repeated events of one
/// key in one window (rate-limit trips) share one row with a count instead of one row each.
struct AggregateAuditEvents: AsyncMigration {
    var name: String { "2026-12-02-aggregate-audit-events" }

    func prepare(on database: any Database) async throws {
        // One column per statement: SQLite adds columns one at a time.
        try await database.schema("audit_events").field("actor_id", .uuid).update()
        try await database.schema("audit_events").field("occurrences", .int64, .required, .sql(.default(1))).update()
        try await database.schema("audit_events").field("aggregate_key", .string).update()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "audit_events_aggregate_key").unique().on("audit_events").column("aggregate_key").run()
        try await sql.create(index: "audit_events_created_idx").on("audit_events").column("created_at").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.drop(index: "audit_events_aggregate_key").run()
        try await sql.drop(index: "audit_events_created_idx").run()
        for column in ["actor_id", "occurrences", "aggregate_key"] {
            try await database.schema("audit_events").deleteField(FieldKey(stringLiteral: column)).update()
        }
    }
}
