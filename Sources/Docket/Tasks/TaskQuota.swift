import Foundation
import SQLKit

/// The most tasks one account may hold (`DOCKET_MAX_TASKS_PER_USER`), so one account cannot fill the disk.
struct TaskQuota: Sendable {
    let maxTasks: Int

    /// Throws a 422 problem when `owner` holding `adding` more tasks would pass the quota. A create checks after its
    /// insert, inside its transaction, the count its insert just raised (`task_counts`, one row, locked by that update
    /// until the commit, so concurrent creates of one account cannot overshoot).
    func check(owner: UUID, adding: Int = 0, on sql: any SQLDatabase) async throws {
        let held = try await TaskStore.count(of: owner, on: sql)
        guard held + adding <= maxTasks else {
            throw AppError(
                .validationFailed, "The account holds \(held) tasks; the quota is \(maxTasks) tasks per account. Delete some first.",
                fieldErrors: [FieldError(pointer: "", message: "would pass the quota of \(maxTasks) tasks per account")])
        }
    }
}
