import Foundation
import SQLKit

/// Runs `bulk_update_tasks`: walks the owner's matching tasks in batches; each batch's updates and the position after
/// it commit together, so a job resumed after a crash neither skips a task nor changes one twice.
struct BulkUpdateTasksJob: JobHandler {
    static let kind = "bulk_update_tasks"
    var kind: String { Self.kind }
    let store: TaskStore
    let outbox: EventOutbox
    /// Tasks changed per transaction.
    var batchSize = 100

    /// The job's result.
    struct Outcome: Codable {
        let matched: Int
        let updated: Int
    }

    /// Progress kept in the checkpoint: where the walk is and what it has counted.
    private struct Position: Codable {
        var createdAt: Int64
        var id: UUID
        var matched: Int
        var updated: Int
    }

    func run(_ job: JobRecord, context: JobContext) async throws -> String {
        guard let owner = job.userID, let update = try? JSONDecoder().decode(BulkTaskUpdate.self, from: Data(job.payload.utf8)) else {
            throw JobFailure.permanent("the job's payload is not a bulk task update")
        }
        var position = job.checkpoint.flatMap { try? JSONDecoder().decode(Position.self, from: Data($0.utf8)) }
        var counting = update.query(owner: owner, after: nil, limit: 1)
        counting.includeTotal = true
        let total = try await store.list(counting, logger: context.logger).total ?? 0
        while true {
            let after = position.map { TaskCursor.Position(key: .number($0.createdAt), id: $0.id) }
            let batch = try await store.list(update.query(owner: owner, after: after, limit: batchSize), logger: context.logger).rows
                .prefix(batchSize)
            guard let last = batch.last else { break }
            let now = Microseconds.now()
            var next = position ?? Position(createdAt: 0, id: last.id, matched: 0, updated: 0)
            next.createdAt = last.createdAt
            next.id = last.id
            next.matched += batch.count
            let changed = batch.compactMap { task in
                let next = update.applied(to: task, now: now)
                return next == task ? nil : next
            }
            next.updated += changed.count
            let (planned, skipped, filter) = (next, Tally(), update.query(owner: owner, after: nil, limit: 1))
            let checkpoint: @Sendable () throws -> String? = {
                var counted = planned
                counted.updated -= skipped.value
                return String(decoding: try JSONEncoder().encode(counted), as: UTF8.self)
            }
            let source = ChangeSource.job(job.id)
            try await context.step(done: next.matched, total: max(total, next.matched), checkpoint: checkpoint) { [store, outbox] sql in
                // Events are appended after every update of the step: a transaction takes the user's event-stream row last,
                // as single writes do, so two writers never wait on each other in opposite orders.
                var events: [PendingEvent] = []
                for task in changed {
                    let before = batch.first { $0.id == task.id }!
                    if try await store.update(task, expectedVersion: task.version - 1, on: sql) {
                        events.append(try TaskEventData.event(before: before, after: task))
                        continue
                    }
                    // Changed since the batch was read: change it only if it still matches the filter and still differs.
                    guard let fresh = try await store.find(task.id, owner: owner, on: sql),
                        try await store.matches(filter, id: task.id, on: sql), update.applied(to: fresh, now: now) != fresh
                    else {
                        skipped.increment()
                        continue
                    }
                    // Changed again in between: give up this step (it rolls back) and let the attempt be retried.
                    let after = update.applied(to: fresh, now: now)
                    guard try await store.update(after, expectedVersion: fresh.version, on: sql) else {
                        throw AppError(.conflict, "tasks are being changed concurrently; the job will retry")
                    }
                    events.append(try TaskEventData.event(before: fresh, after: after))
                }
                try await outbox.append(events, owner: owner, source: source, on: sql)
            }
            next.updated -= skipped.value
            position = next
        }
        let outcome = Outcome(matched: position?.matched ?? 0, updated: position?.updated ?? 0)
        return String(decoding: try JSONEncoder().encode(outcome), as: UTF8.self)
    }
}
