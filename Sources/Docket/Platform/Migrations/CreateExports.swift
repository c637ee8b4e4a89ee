import FluentKit
import SQLKit

/// Data exports: the archive a `data_export` saga built, downloadable once through a signed link until it expires.
struct CreateExports: AsyncMigration {
    var name: String { "2026-12-03-create-exports" }

    func prepare(on database: any Database) async throws {
        try await database.schema("exports")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("document", .string, .required)
            .field("created_at", .int64, .required)
            .field("expires_at", .int64, .required)
            .field("downloaded_at", .int64)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "exports_expiry_idx").on("exports").column("expires_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("exports").delete()
    }
}
