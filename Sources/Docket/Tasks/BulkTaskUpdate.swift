import Foundation

/// A change applied to every task of one owner that matches a filter: the payload of a `bulk_update_tasks` job.
struct BulkTaskUpdate: Codable, Sendable, Equatable {
    var statuses: [TaskStatus] = []
    var priorities: [TaskPriority] = []
    var dueBefore: String?
    var dueAfter: String?
    var text: String?
    /// The status every match gets (`done` completes, `todo` reopens).
    var setStatus: TaskStatus?
    /// The priority every match gets.
    var setPriority: TaskPriority?
    /// Days every due date moves by (tasks without one keep none).
    var shiftDueDays: Int?

    /// Checks the change (at least one, shifts within ±3660 days) and the filter's dates; 422 names each problem.
    func validate() throws {
        var errors: [FieldError] = []
        if setStatus == nil, setPriority == nil, shiftDueDays == nil {
            errors.append(FieldError(pointer: "", message: "must set at least one of set_status, set_priority, shift_due_days"))
        }
        if let days = shiftDueDays, !(-3660...3660).contains(days) {
            errors.append(FieldError(pointer: "/shift_due_days", message: "must be from -3660 to 3660"))
        }
        if statuses.count > 3 || priorities.count > 3 {
            errors.append(FieldError(pointer: "/filter", message: "status and priority list at most 3 values each"))
        }
        _ = TaskRules.dueDate(dueBefore, pointer: "/filter/due_before", into: &errors)
        _ = TaskRules.dueDate(dueAfter, pointer: "/filter/due_after", into: &errors)
        // Counted in code points, as the contract's maxLength (JSON Schema) counts.
        if let text, text.unicodeScalars.count > 200 || text.unicodeScalars.contains(where: { $0.value == 0 }) {
            errors.append(FieldError(pointer: "/filter/q", message: "must be at most 200 characters without NUL"))
        }
        try CredentialRules.check(errors)
    }

    /// The owner's listing this update walks: by creation time, oldest first, after `position`.
    func query(owner: UUID, after position: TaskCursor.Position?, limit: Int) -> TaskListQuery {
        var query = TaskListQuery(owner: owner)
        query.statuses = statuses
        query.priorities = priorities
        query.dueBefore = dueBefore
        query.dueAfter = dueAfter
        query.text = text
        query.sort = .createdAt
        query.descending = false
        query.limit = limit
        query.after = position
        return query
    }

    /// `task` with the change applied (unchanged when nothing differs), stamped at `now`.
    func applied(to task: TaskRecord, now: Int64) -> TaskRecord {
        var next = task
        if let status = setStatus, status != task.status {
            next.status = status
            next.completedAt = status == .done ? now : nil
        }
        if let priority = setPriority { next.priority = priority }
        if let days = shiftDueDays, let due = task.dueDate, let moved = CalendarDate.shift(due, byDays: days) { next.dueDate = moved }
        next.refreshSortKeys()
        guard next != task else { return task }
        next.version = task.version + 1
        next.updatedAt = max(now, task.updatedAt + 1)
        return next
    }
}
