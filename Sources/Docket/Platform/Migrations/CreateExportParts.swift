import FluentKit
import SQLKit

/// An export's document in parts (`ExportPartWriter`): written and downloaded a part at a time, so no export is ever
/// whole in memory. Exports stored before keep their document in `exports.document`.
struct CreateExportParts: AsyncMigration {
    var name: String { "2026-12-07-create-export-parts" }

    func prepare(on database: any Database) async throws {
        try await database.schema("export_parts")
            .field("export_id", .uuid, .required, .references("exports", "id", onDelete: .cascade))
            .field("section", .int, .required)
            .field("part", .int, .required)
            .field("data", .string, .required)
            .compositeIdentifier(over: "export_id", "section", "part")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("export_parts").delete()
    }
}
