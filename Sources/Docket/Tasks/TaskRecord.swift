import Foundation

/// A stored task row, read and written with SQLKit (the hot path skips Fluent's model layer).
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

    /// The strong entity tag of this version.
    var etag: String { "\"\(version)\"" }
}

/// Where a task stands.
enum TaskStatus: String, Codable, Sendable, CaseIterable {
    case todo
    case inProgress = "in_progress"
    case done
}

/// How important a task is; `rank` orders them.
enum TaskPriority: String, Codable, Sendable, CaseIterable {
    case low, medium, high

    var rank: Int {
        switch self {
        case .low: 0
        case .medium: 1
        case .high: 2
        }
    }
}

/// Microsecond timestamps, the storage form of task times.
enum Microseconds {
    static func now() -> Int64 { of(Date()) }
    static func of(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1_000_000).rounded(.down)) }
    static func date(_ value: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(value) / 1_000_000) }
}
