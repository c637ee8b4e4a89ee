import Foundation
import SQLKit

/// Stores an export's document while it is written, cut into rows of `export_parts` of about `partSize` bytes: the
/// document is written in three sections at once (the tasks as JSON, the same tasks as CSV, then the events), and a
/// download reads them back in order, so an export of any size holds at most one part per section in memory.
struct ExportPartWriter {
    /// Where a piece of the document goes; a download joins them in this order.
    enum Section: Int, CaseIterable {
        case tasks, csv, events
    }

    let exportID: UUID
    let sql: any SQLDatabase
    /// The size at which a section's buffer is stored as a part (1 MiB).
    var partSize = 1 << 20
    private var buffers = Array(repeating: "", count: Section.allCases.count)
    private var bufferedBytes = Array(repeating: 0, count: Section.allCases.count)
    private var nextPart = Array(repeating: 0, count: Section.allCases.count)
    /// How many bytes the document has so far.
    private(set) var bytes = 0

    /// A writer of the parts of export `exportID` on `sql` (the transaction that stores the export).
    init(exportID: UUID, sql: any SQLDatabase) {
        self.exportID = exportID
        self.sql = sql
    }

    /// Appends `text` to `section`, storing the section's buffer once it reaches `partSize`.
    mutating func append(_ text: String, to section: Section) async throws {
        let count = text.utf8.count
        buffers[section.rawValue] += text
        bufferedBytes[section.rawValue] += count
        bytes += count
        if bufferedBytes[section.rawValue] >= partSize { try await store(section) }
    }

    /// Stores what every section still buffers.
    mutating func finish() async throws {
        for section in Section.allCases where bufferedBytes[section.rawValue] > 0 { try await store(section) }
    }

    private mutating func store(_ section: Section) async throws {
        let index = section.rawValue
        try await sql.insert(into: "export_parts").columns("export_id", "section", "part", "data")
            .values(SQLBind(exportID), SQLBind(index), SQLBind(nextPart[index]), SQLBind(buffers[index])).run()
        nextPart[index] += 1
        buffers[index] = ""
        bufferedBytes[index] = 0
    }
}
