import DocketAPI
import Foundation

extension TaskListQuery {
    /// A listing of `owner`'s tasks from the query parameters, or a 422 problem naming every invalid one.
    init(_ parameters: Operations.ListTasks.Input.Query, owner: UUID) throws {
        self.init(owner: owner)
        var errors: [FieldError] = []
        statuses = (parameters.status ?? []).compactMap { TaskStatus(rawValue: $0.rawValue) }
        priorities = (parameters.priority ?? []).compactMap { TaskPriority(rawValue: $0.rawValue) }
        dueBefore = TaskRules.dueDate(parameters.dueBefore, pointer: "#/query/due_before", into: &errors)
        dueAfter = TaskRules.dueDate(parameters.dueAfter, pointer: "#/query/due_after", into: &errors)
        if let text = parameters.q {
            if text.unicodeScalars.count > 200 || text.unicodeScalars.contains(where: { $0.value == 0 }) {
                errors.append(FieldError(pointer: "#/query/q", message: "must be at most 200 characters without NUL"))
            }
            self.text = text
        }
        sort = parameters.sort.flatMap { Sort(rawValue: $0.rawValue) } ?? .createdAt
        descending = parameters.order != .asc
        includeTotal = parameters.includeTotal ?? false
        if let cursor = parameters.cursor, cursor.count > 1024 {
            errors.append(FieldError(pointer: "#/query/cursor", message: "is too long"))
        }
        try CredentialRules.check(errors)
        (limit, offset) = try Paging.validate(limit: parameters.limit, offset: parameters.offset)
    }
}
