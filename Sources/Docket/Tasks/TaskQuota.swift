import Foundation
import SQLKit

/// The most tasks one account may hold (`DOCKET_MAX_TASKS_PER_USER`), so one account cannot fill the disk.
struct TaskQuota: Sendable {
    let maxTasks: Int

    /// Throws a 422 problem when `owner` (as `task_counts` counts) holding `adding` more tasks would pass the quota (an
    /// import checks its plan so).
    func check(owner: UUID, adding: Int = 0, on sql: any SQLDatabase) async throws {
        try check(held: try await TaskStore.count(of: owner, on: sql), adding: adding)
    }

    /// Throws the quota's 422 problem when an account holding `held` tasks may not hold `adding` more. A create passes
    /// the count its insert just raised, inside its transaction (the `task_counts` row stays locked by that update until
    /// the commit, so concurrent creates of one account cannot overshoot).
    func check(held: Int, adding: Int = 0) throws {
        guard held + adding <= maxTasks else {
            throw AppError(
                .validationFailed, "The account holds \(held) tasks; the quota is \(maxTasks) tasks per account. Delete some first.",
                fieldErrors: [FieldError(pointer: "", message: "would pass the quota of \(maxTasks) tasks per account")])
        }
    }
}
