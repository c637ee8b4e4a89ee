import Foundation

/// A stored task row, read and written with SQLKit (the hot path skips Fluent's model layer); also its idempotent-replay form.
struct TaskRecord: Codable, Sendable, Equatable {
    var id: UUID
    var userID: UUID
    var title: String
    var description: String?
    var status: TaskStatus
    var priority: TaskPriority
    var priorityRank: Int
    var dueDate: String?
    var dueAsc: String
    var dueDesc: String
    /// Microseconds since 1970; exact, so keyset cursors compare equal to what is stored.
    var completedAt: Int64?
    var createdAt: Int64
    var updatedAt: Int64
    var version: Int

    enum CodingKeys: String, CodingKey {
        case id, title, description, status, priority, version
        case userID = "user_id"
        case priorityRank = "priority_rank"
        case dueDate = "due_date"
        case dueAsc = "due_asc"
        case dueDesc = "due_desc"
        case completedAt = "completed_at"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    /// Derived sort keys: a missing due date sorts last in either direction.
    mutating func refreshSortKeys() {
        priorityRank = priority.rank
        dueAsc = dueDate ?? "9999-99-99"
        dueDesc = dueDate ?? "0000-00-00"
    }
}
