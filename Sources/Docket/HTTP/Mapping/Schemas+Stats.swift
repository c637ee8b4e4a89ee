import DocketAPI
import Foundation

extension Components.Schemas.TaskStats {
    /// The wire view of a user's statistics.
    init(_ stats: TaskStatistics) {
        self.init(
            asOfSeq: stats.asOfSeq,
            asOfTime: stats.asOfTime.map(Microseconds.date),
            eventsBehind: stats.eventsBehind,
            open: stats.open,
            done: stats.byStatus[.done] ?? 0,
            byStatus: .init(todo: stats.byStatus[.todo] ?? 0, inProgress: stats.byStatus[.inProgress] ?? 0, done: stats.byStatus[.done] ?? 0),
            byPriority: .init(low: stats.byPriority[.low] ?? 0, medium: stats.byPriority[.medium] ?? 0, high: stats.byPriority[.high] ?? 0),
            overdue: stats.overdue,
            completedPerDay: stats.completedPerDay.map { .init(date: $0.day, count: $0.count) }
        )
    }
}
