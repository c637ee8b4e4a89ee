import Foundation
import SQLKit

/// The most tasks one account may hold (`DOCKET_MAX_TASKS_PER_USER`), so one account cannot fill the disk.
struct TaskQuota: Sendable {
    let maxTasks: Int

    /// Throws a 422 problem when `owner` holding `adding` more tasks would pass the quota. A create checks after its
    /// insert, inside its transaction (on SQLite a write transaction must write before it reads, or a concurrent commit
    /// makes it fail); concurrent creates of one account on PostgreSQL may overshoot by the number in flight.
    func check(owner: UUID, adding: Int = 0, on sql: any SQLDatabase) async throws {
        let row = try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("tasks")
            .where("user_id", .equal, SQLBind(owner)).first()
        let held = try row?.decode(column: "n", as: Int.self) ?? 0
        guard held + adding <= maxTasks else {
            throw AppError(
                .validationFailed, "The account holds \(held) tasks; the quota is \(maxTasks) tasks per account. Delete some first.",
                fieldErrors: [FieldError(pointer: "", message: "would pass the quota of \(maxTasks) tasks per account")])
        }
    }
}
