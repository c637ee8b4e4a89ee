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
