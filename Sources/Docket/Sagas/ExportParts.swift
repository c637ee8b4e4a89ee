import Foundation
import SQLKit

/// An export's document as rows of `export_parts`: written a batch at a time by the export saga, read back a part at a
/// time by a download (`ORDER BY section, part`), so no export is ever whole in memory.
enum ExportParts {
    /// The pieces of the document, in the order a download joins them: `{"account":…,"tasks":[` · the tasks, a part per
    /// page · `],"tasks_csv":"` and the CSV header · the CSV lines, a part per page · `","events":[` · the events, a
    /// part per page · `]}`.
    enum Section: Int, CaseIterable {
        case head, tasks, csvHead, csv, eventsHead, events, end
    }

    /// Stores `data` as part `part` of `section` of export `export`; returns its size in bytes.
    @discardableResult
    static func store(_ data: String, export: UUID, section: Section, part: Int, on sql: any SQLDatabase) async throws -> Int {
        try await sql.insert(into: "export_parts").columns("export_id", "section", "part", "data")
            .values(SQLBind(export), SQLBind(section.rawValue), SQLBind(part), SQLBind(data)).run()
        return data.utf8.count
    }
}
