/// Where a task stands.
enum TaskStatus: String, Codable, Sendable, CaseIterable {
    case todo
    case inProgress = "in_progress"
    case done
}
