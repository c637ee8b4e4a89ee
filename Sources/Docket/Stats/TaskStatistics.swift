import Foundation

/// One user's statistics as the read model holds them, and how fresh they are.
struct TaskStatistics: Sendable, Equatable {
    var asOfSeq: Int64 = 0
    /// Microseconds since 1970 of the newest included event; nil before the first.
    var asOfTime: Int64?
    var eventsBehind: Int64 = 0
    var byStatus: [TaskStatus: Int] = [:]
    /// Open tasks by priority.
    var byPriority: [TaskPriority: Int] = [:]
    var overdue = 0
    /// The last 90 days, oldest first, with their completions.
    var completedPerDay: [(day: String, count: Int)] = []

    static func == (lhs: TaskStatistics, rhs: TaskStatistics) -> Bool {
        lhs.asOfSeq == rhs.asOfSeq && lhs.asOfTime == rhs.asOfTime && lhs.eventsBehind == rhs.eventsBehind && lhs.byStatus == rhs.byStatus
            && lhs.byPriority == rhs.byPriority && lhs.overdue == rhs.overdue
            && lhs.completedPerDay.map(\.day) == rhs.completedPerDay.map(\.day)
            && lhs.completedPerDay.map(\.count) == rhs.completedPerDay.map(\.count)
    }

    /// Tasks not done.
    var open: Int { byStatus.filter { $0.key != .done }.values.reduce(0, +) }
}
