/// What an owner's task list looks like in numbers: by status and priority, overdue, due within the week.
struct Workload: Codable, Sendable, Equatable {
    var total = 0
    var byStatus: [String: Int] = [:]
    var byPriority: [String: Int] = [:]
    /// Open tasks (not done) whose due date is before today.
    var overdue = 0
    /// Open tasks due from today through the next six days.
    var dueThisWeek = 0

    enum CodingKeys: String, CodingKey {
        case total, overdue
        case byStatus = "by_status"
        case byPriority = "by_priority"
        case dueThisWeek = "due_this_week"
    }
}
