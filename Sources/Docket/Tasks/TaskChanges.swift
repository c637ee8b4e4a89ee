/// A merge patch of a task (RFC 7396), decoded: each field is kept, cleared or set.
struct TaskChanges: Sendable {
    var title: FieldChange<String> = .keep
    var description: FieldChange<String> = .keep
    var status: FieldChange<TaskStatus> = .keep
    var priority: FieldChange<TaskPriority> = .keep
    var dueDate: FieldChange<String> = .keep
}
