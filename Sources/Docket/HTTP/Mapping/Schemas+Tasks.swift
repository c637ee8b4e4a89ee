import DocketAPI
import Foundation

extension Components.Schemas.Task {
    /// The wire view of a stored task.
    init(_ task: TaskRecord) {
        self.init(
            id: task.id.uuidString.lowercased(),
            userId: task.userID.uuidString.lowercased(),
            title: task.title,
            description: task.description,
            status: Components.Schemas.TaskStatus(rawValue: task.status.rawValue)!,
            priority: Components.Schemas.TaskPriority(rawValue: task.priority.rawValue)!,
            dueDate: task.dueDate,
            completedAt: task.completedAt.map(Microseconds.date),
            createdAt: Microseconds.date(task.createdAt),
            updatedAt: Microseconds.date(task.updatedAt),
            version: task.version
        )
    }
}

extension Components.Schemas.TaskPage {
    /// The wire view of one page of a listing.
    init(_ page: TaskPage) {
        self.init(items: page.items.map(Components.Schemas.Task.init), limit: page.limit, nextCursor: page.nextCursor, total: page.total)
    }
}

extension TaskChanges {
    /// The changes a merge patch asks for; `present` tells a key sent as `null` (false) from one not sent at all (absent).
    init(_ patch: Components.Schemas.TaskPatch, present: [String: Bool]) {
        self.init(
            title: FieldChange(patch.title, present: present["title"]),
            description: FieldChange(patch.description, present: present["description"]),
            status: FieldChange(patch.status.flatMap { TaskStatus(rawValue: $0.rawValue) }, present: present["status"]),
            priority: FieldChange(patch.priority.flatMap { TaskPriority(rawValue: $0.rawValue) }, present: present["priority"]),
            dueDate: FieldChange(patch.dueDate, present: present["due_date"]))
    }
}
