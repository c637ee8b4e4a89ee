import Foundation
import Logging
import SQLKit

/// Recreates the statistics read model from the outbox (`docket stats rebuild`): for each user, the model is erased and
/// the stored events are replayed through the same projector the live consumer runs. A user whose first events were
/// already purged (`DOCKET_EVENT_RETENTION_DAYS`) cannot be replayed; their model is seeded from a consistent snapshot
/// of their tasks at their newest event instead (completions then come from the done tasks' `completed_at`). Safe while
/// the live consumer runs: every write of the projector is keyed by event number or id.
struct StatsRebuilder: Sendable {
    let database: DocketDatabase
    let projector = StatsProjector()

    /// What a rebuild did.
    struct Outcome: Sendable, Equatable {
        var replayedUsers = 0
        var seededUsers = 0
        var events = 0
    }

    /// Rebuilds every user's model, or only `owner`'s.
    func rebuild(only owner: UUID? = nil, logger: Logger) async throws -> Outcome {
        var outcome = Outcome()
        let owners: [UUID]
        if let owner {
            owners = [owner]
        } else {
            owners = try await database.sql(logger: logger).raw("SELECT user_id FROM event_streams ORDER BY user_id").all()
                .map { try $0.decode(column: "user_id", as: UUID.self) }
        }
        let store = EventStore(database: database)
        for owner in owners {
            let first = try await store.events(of: owner, after: 0, limit: 1, logger: logger).first
            if first?.seq == 1 {
                try await erase(owner, logger: logger)
                var after: Int64 = 0
                while true {
                    let events = try await store.events(of: owner, after: after, limit: 500, logger: logger)
                    guard let last = events.last else { break }
                    let projector = self.projector
                    try await database.transaction(logger: logger) { sql in
                        for event in events { try await projector.apply(ConsumedEvent(event), on: sql) }
                    }
                    outcome.events += events.count
                    after = last.seq
                }
                outcome.replayedUsers += 1
            } else {
                try await seed(owner, logger: logger)
                outcome.seededUsers += 1
            }
        }
        return outcome
    }

    private func erase(_ owner: UUID, logger: Logger) async throws {
        try await database.transaction(logger: logger) { sql in
            for table in ["stats_tasks", "stats_completions", "stats_heads"] {
                try await sql.delete(from: table).where("user_id", .equal, SQLBind(owner)).run()
            }
        }
    }

    /// Seeds `owner`'s model from their tasks at their newest event; the stream's row is locked meanwhile on
    /// PostgreSQL (SQLite's write transaction excludes writers anyway), so no change slips between the two reads.
    private func seed(_ owner: UUID, logger: Logger) async throws {
        let postgres = database.location.kind == "postgres"
        try await database.transaction(logger: logger) { sql in
            let lock = postgres ? " FOR UPDATE" : ""
            guard
                let head = try await sql.raw(
                    "SELECT last_seq FROM event_streams WHERE user_id = \(bind: owner)\(unsafeRaw: lock)"
                ).first()
            else { return }
            let seq = try head.decode(column: "last_seq", as: Int64.self)
            for table in ["stats_tasks", "stats_completions", "stats_heads"] {
                try await sql.delete(from: table).where("user_id", .equal, SQLBind(owner)).run()
            }
            try await sql.raw(
                """
                INSERT INTO stats_tasks (task_id, user_id, status, priority, due_date, deleted, last_seq)
                SELECT id, user_id, status, priority, due_date, \(bind: false), \(bind: seq) FROM tasks WHERE user_id = \(bind: owner)
                """
            ).run()
            let done = try await sql.raw(
                "SELECT id, completed_at FROM tasks WHERE user_id = \(bind: owner) AND completed_at IS NOT NULL"
            ).all()
            for row in done {
                let id = try row.decode(column: "id", as: UUID.self)
                let at = try row.decode(column: "completed_at", as: Int64.self)
                try await sql.raw(
                    """
                    INSERT INTO stats_completions (event_id, user_id, day)
                    VALUES (\(bind: "seed:" + id.uuidString.lowercased()), \(bind: owner), \(bind: StatsDay.string(microseconds: at)))
                    """
                ).run()
            }
            try await sql.raw(
                "INSERT INTO stats_heads (user_id, as_of_seq, as_of_time) VALUES (\(bind: owner), \(bind: seq), \(bind: Microseconds.now()))"
            ).run()
        }
    }
}
