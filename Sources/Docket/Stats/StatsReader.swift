import Foundation
import Logging
import SQLKit

/// Reads a user's statistics from the read model (`stats_*` tables) and compares its position with the outbox's.
struct StatsReader: Sendable {
    static let days = 90

    let database: DocketDatabase

    /// `owner`'s statistics as of `now` (which decides "today" for overdue tasks and the 90-day window).
    func statistics(of owner: UUID, now: Date = Date(), logger: Logger) async throws -> TaskStatistics {
        let sql = database.sql(logger: logger)
        var stats = TaskStatistics()
        if let head = try await sql.raw("SELECT as_of_seq, as_of_time FROM stats_heads WHERE user_id = \(bind: owner)").first() {
            stats.asOfSeq = try head.decode(column: "as_of_seq", as: Int64.self)
            stats.asOfTime = try head.decode(column: "as_of_time", as: Int64.self)
        }
        let newest = try await EventStore(database: database).head(of: owner, logger: logger)
        stats.eventsBehind = max(0, newest - stats.asOfSeq)
        let today = StatsDay.string(now)
        let rows = try await sql.raw(
            """
            SELECT status, priority, COUNT(*) AS count,
              SUM(CASE WHEN due_date IS NOT NULL AND due_date < \(bind: today) THEN 1 ELSE 0 END) AS overdue
            FROM stats_tasks WHERE user_id = \(bind: owner) AND deleted = \(bind: false) GROUP BY status, priority
            """
        ).all()
        for row in rows {
            guard let status = TaskStatus(rawValue: try row.decode(column: "status", as: String.self)),
                let priority = TaskPriority(rawValue: try row.decode(column: "priority", as: String.self))
            else { continue }
            let count = Int(try row.decode(column: "count", as: Int64.self))
            stats.byStatus[status, default: 0] += count
            if status != .done {
                stats.byPriority[priority, default: 0] += count
                stats.overdue += Int(try row.decode(column: "overdue", as: Int64?.self) ?? 0)
            }
        }
        let first = StatsDay.string(now.addingTimeInterval(-Double(Self.days - 1) * 86_400))
        let perDay = try await sql.raw(
            """
            SELECT day, COUNT(*) AS count FROM stats_completions WHERE user_id = \(bind: owner) AND day >= \(bind: first) AND day <= \(bind: today)
            GROUP BY day
            """
        ).all()
        var counts: [String: Int] = [:]
        for row in perDay { counts[try row.decode(column: "day", as: String.self)] = Int(try row.decode(column: "count", as: Int64.self)) }
        stats.completedPerDay = (0..<Self.days).reversed().map { back in
            let day = StatsDay.string(now.addingTimeInterval(-Double(back) * 86_400))
            return (day, counts[day] ?? 0)
        }
        return stats
    }
}
