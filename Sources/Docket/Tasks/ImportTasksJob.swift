import Foundation
import SQLKit

/// Runs `import_tasks`: inserts the checked rows in batches; each batch and the index after it commit together, so a
/// job resumed after a crash creates every task exactly once. The task quota is checked per row as the rows go in
/// (imports running at once share it): at the quota the job keeps what it imported and fails, saying so.
struct ImportTasksJob: JobHandler {
    static let kind = "import_tasks"
    var kind: String { Self.kind }
    let store: TaskStore
    let outbox: EventOutbox
    let quota: TaskQuota
    /// Tasks inserted per transaction.
    var batchSize = 100

    /// The job's result.
    struct Outcome: Codable {
        let imported: Int
        /// Rows a lenient import left out, and why; rows it changed to carry them over.
        let skipped: [ImportProblem]?
        let notes: [ImportProblem]?
        /// All rows left out and changed; the lists above hold at most `TaskImport.maxListedProblems` of each.
        let skippedCount: Int?
        let notesCount: Int?

        enum CodingKeys: String, CodingKey {
            case imported, skipped, notes
            case skippedCount = "skipped_count"
            case notesCount = "notes_count"
        }
    }

    func run(_ job: JobRecord, context: JobContext) async throws -> String {
        guard let owner = job.userID, let plan = try? JSONDecoder().decode(TaskImport.self, from: Data(job.payload.utf8)) else {
            throw JobFailure.permanent("the job's payload is not a task import")
        }
        var next = job.checkpoint.flatMap { Int($0) } ?? 0
        // Creation times one microsecond apart keep the file's order in listings sorted by creation.
        let base = Microseconds.now()
        while next < plan.rows.count {
            let end = min(next + batchSize, plan.rows.count)
            let records = plan.rows[next..<end].enumerated().map { offset, row in
                let createdAt = base + Int64(next + offset)
                var record = TaskRecord(
                    id: UUID(), userID: owner, title: row.title, description: row.description, status: row.status, priority: row.priority,
                    priorityRank: 0, dueDate: row.dueDate, dueAsc: "", dueDesc: "", completedAt: row.status == .done ? createdAt : nil,
                    createdAt: createdAt, updatedAt: createdAt, version: 1)
                record.refreshSortKeys()
                return record
            }
            let checkpoint: @Sendable () -> String? = { String(end) }
            let source = ChangeSource.job(job.id)
            let maxTasks = quota.maxTasks
            let inserted = try await context.step(done: end, total: plan.rows.count, checkpoint: checkpoint) { [store, outbox] sql in
                // Locks the account's count row until the commit, so concurrent imports and creates see each other's rows.
                let held = try await TaskStore.adjustCount(of: owner, by: 0, on: sql)
                let admitted = Array(records.prefix(max(0, maxTasks - held)))
                try await store.insert(admitted, on: sql)
                try await outbox.append(admitted.map { try TaskEventData.event(before: nil, after: $0) }, owner: owner, source: source, on: sql)
                return admitted.count
            }
            guard inserted == records.count else {
                throw JobFailure.permanent(
                    "the account reached its quota of \(maxTasks) tasks: \(next + inserted) of \(plan.rows.count) rows were imported, "
                        + "the rest were not")
            }
            next = end
        }
        let outcome = Outcome(
            imported: plan.rows.count, skipped: plan.skipped, notes: plan.notes, skippedCount: plan.skippedCount,
            notesCount: plan.notesCount)
        return String(decoding: try JSONEncoder().encode(outcome), as: UTF8.self)
    }
}
