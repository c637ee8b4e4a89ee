import Foundation
import SQLKit

extension TaskRecord {
    /// Reads a row column by column (profiling showed the generic `Codable` row decoder costing more than the query).
    init(row: some SQLRow) throws {
        func text(_ column: String) throws -> String { try row.decode(column: column, as: String.self) }
        func optionalText(_ column: String) throws -> String? { try row.decode(column: column, as: String?.self) }
        guard let status = TaskStatus(rawValue: try text("status")), let priority = TaskPriority(rawValue: try text("priority")) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "unknown task status or priority in storage"))
        }
        self.init(
            id: try row.decode(column: "id", as: UUID.self),
            userID: try row.decode(column: "user_id", as: UUID.self),
            title: try text("title"),
            description: try optionalText("description"),
            status: status,
            priority: priority,
            priorityRank: try row.decode(column: "priority_rank", as: Int.self),
            dueDate: try optionalText("due_date"),
            dueAsc: try text("due_asc"),
            dueDesc: try text("due_desc"),
            completedAt: try row.decode(column: "completed_at", as: Int64?.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            updatedAt: try row.decode(column: "updated_at", as: Int64.self),
            version: try row.decode(column: "version", as: Int.self)
        )
    }
}
