/// The fields of a task to create, as the client sent them (not yet checked against `TaskRules`).
struct NewTask: Sendable {
    let title: String
    let description: String?
    let status: TaskStatus?
    let priority: TaskPriority?
    let dueDate: String?
}
