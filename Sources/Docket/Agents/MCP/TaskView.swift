import Foundation

/// A task as agents see it in tool results: the same fields and names as the REST `Task`.
struct TaskView: Codable, Sendable {
    let id: String
    let title: String
    let description: String?
    let status: String
    let priority: String
    let dueDate: String?
    let completedAt: String?
    let createdAt: String
    let updatedAt: String
    let version: Int

    enum CodingKeys: String, CodingKey {
        case id, title, description, status, priority, version
        case dueDate = "due_date"
        case completedAt = "completed_at"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    init(_ task: TaskRecord) {
        let format = { (value: Int64) in Microseconds.date(value).formatted(.iso8601) }
        self.id = task.id.uuidString.lowercased()
        self.title = task.title
        self.description = task.description
        self.status = task.status.rawValue
        self.priority = task.priority.rawValue
        self.dueDate = task.dueDate
        self.completedAt = task.completedAt.map(format)
        self.createdAt = format(task.createdAt)
        self.updatedAt = format(task.updatedAt)
        self.version = task.version
    }

    /// One line for a person: `[todo/high] Title (due 2026-12-24) — id`.
    var line: String {
        "[\(status)/\(priority)] \(title)" + (dueDate.map { " (due \($0))" } ?? "") + " — \(id)"
    }
}
