import Foundation
import SQLKit

/// Maintains the per-user statistics read model from task events alone (never by reading `tasks`): the state of each
/// task as of the newest event that touched it, one row per completion, and how far each user's events were applied.
/// Every write is keyed by the event's number or id, so an event applied twice or out of order leaves the same model.
struct StatsProjector: EventConsumer {
    static let consumerName = "stats"
    /// Completions older than this many days are dropped (the model reports the last 90).
    static let completionDays = 91

    var name: String { Self.consumerName }

    func apply(_ event: ConsumedEvent, on sql: any SQLDatabase) async throws {
        // A late event of an account deleted meanwhile has nothing left to describe.
        guard try await sql.raw("SELECT id FROM users WHERE id = \(bind: event.userID)").first() != nil else { return }
        if event.type.hasPrefix("task.") {
            let task = try JSONDecoder().decode(TaskEventDocument.self, from: Data(event.document.utf8)).data.task
            try await sql.raw(
                """
                INSERT INTO stats_tasks (task_id, user_id, status, priority, due_date, deleted, last_seq)
                VALUES (\(bind: task.id), \(bind: event.userID), \(bind: task.status), \(bind: task.priority), \(bind: task.dueDate),
                  \(bind: event.type == EventType.taskDeleted.rawValue), \(bind: event.seq))
                ON CONFLICT (task_id) DO UPDATE SET status = excluded.status, priority = excluded.priority, due_date = excluded.due_date,
                  deleted = excluded.deleted, last_seq = excluded.last_seq
                WHERE stats_tasks.last_seq < excluded.last_seq
                """
            ).run()
            if event.type == EventType.taskCompleted.rawValue {
                try await recordCompletion(event, on: sql)
            }
        }
        try await sql.raw(
            """
            INSERT INTO stats_heads (user_id, as_of_seq, as_of_time) VALUES (\(bind: event.userID), \(bind: event.seq), \(bind: event.occurredAt))
            ON CONFLICT (user_id) DO UPDATE SET as_of_seq = excluded.as_of_seq, as_of_time = excluded.as_of_time
            WHERE stats_heads.as_of_seq < excluded.as_of_seq
            """
        ).run()
    }

    /// One row per completion event (its id makes a second application a no-op); drops completions past the window.
    private func recordCompletion(_ event: ConsumedEvent, on sql: any SQLDatabase) async throws {
        let day = StatsDay.string(microseconds: event.occurredAt)
        try await sql.raw(
            """
            INSERT INTO stats_completions (event_id, user_id, day) VALUES (\(bind: event.id), \(bind: event.userID), \(bind: day))
            ON CONFLICT (event_id) DO NOTHING
            """
        ).run()
        let cutoff = StatsDay.string(microseconds: event.occurredAt - Int64(Self.completionDays) * 86_400_000_000)
        try await sql.raw("DELETE FROM stats_completions WHERE user_id = \(bind: event.userID) AND day < \(bind: cutoff)").run()
    }
}

/// The part of a task event's CloudEvent document the statistics need.
struct TaskEventDocument: Decodable {
    let data: Body

    struct Body: Decodable {
        let task: Fields
    }

    struct Fields: Decodable {
        let id: UUID
        let status: String
        let priority: String
        let dueDate: String?

        enum CodingKeys: String, CodingKey {
            case id, status, priority
            case dueDate = "due_date"
        }
    }
}

/// Calendar days in UTC as `YYYY-MM-DD`, the form the statistics store and report.
enum StatsDay {
    static func string(microseconds: Int64) -> String {
        string(Date(timeIntervalSince1970: TimeInterval(microseconds / 1_000_000)))
    }

    static func string(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }
}
