import Foundation
import SQLKit

extension TaskRecord {
    /// The task columns in the order `init(sqliteRow:)` reads them by index.
    static let columnList: SQLQueryString =
        "id, user_id, title, description, status, priority, priority_rank, due_date, due_asc, due_desc, completed_at, created_at, updated_at, version"

    /// Reads a row of `columnList` from the SQLite read pool by column index.
    init(sqliteRow row: SQLiteResultRow) throws {
        guard let id = row.uuid(0), let userID = row.uuid(1),
            let status = TaskStatus(rawValue: row.text(4)), let priority = TaskPriority(rawValue: row.text(5))
        else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "a task row in storage does not decode"))
        }
        self.init(
            id: id, userID: userID, title: row.text(2), description: row.optionalText(3), status: status, priority: priority,
            priorityRank: Int(row.int64(6)), dueDate: row.optionalText(7), dueAsc: row.text(8), dueDesc: row.text(9),
            completedAt: row.optionalInt64(10), createdAt: row.int64(11), updatedAt: row.int64(12), version: Int(row.int64(13)))
    }
}
