import Foundation
import Logging
import SQLKit

/// The sagas table. Steps lock their saga's row (`FOR UPDATE` on PostgreSQL; SQLite's write transactions are
/// exclusive already), so a step, a restore and an operator's retry never act on the same saga at once.
struct SagaStore: Sendable {
    let database: DocketDatabase

    /// Stores a new saga through `sql` (the transaction of the request that starts it).
    func insert(_ saga: SagaRecord, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "sagas").model(saga, nilEncodingStrategy: .asNil).run()
    }

    /// The saga with `id`, its row locked until `sql`'s transaction ends.
    func lock(_ id: UUID, on sql: any SQLDatabase) async throws -> SagaRecord? {
        let lock: SQLQueryString = database.location.kind == "postgres" ? " FOR UPDATE" : ""
        return try await sql.raw("SELECT * FROM sagas WHERE id = \(bind: id)\(lock)").first(decoding: SagaRecord.self)
    }

    /// Writes back what a step changed.
    func save(_ saga: SagaRecord, on sql: any SQLDatabase) async throws {
        try await sql.update("sagas")
            .set("state", to: SQLBind(saga.state.rawValue)).set("step", to: SQLBind(saga.step)).set("data", to: SQLBind(saga.data))
            .set("error", to: SQLBind(saga.error)).set("resume_at", to: SQLBind(saga.resumeAt)).set("updated_at", to: SQLBind(saga.updatedAt))
            .set("finished_at", to: SQLBind(saga.finishedAt))
            .where("id", .equal, SQLBind(saga.id)).run()
    }

    /// The saga with `id` as its owner or an operator sees it (with its job's state), when `owner` is nil or owns it.
    func view(_ id: UUID, owner: UUID?, logger: Logger) async throws -> SagaView? {
        var query = selectViews(logger).where(SQLColumn("id", table: "sagas"), .equal, SQLBind(id))
        if let owner { query = query.where(SQLColumn("user_id", table: "sagas"), .equal, SQLBind(owner)) }
        return try await query.first(decoding: SagaView.self)
    }

    /// Sagas for an operator, newest first: all, or those in `state` (`failed`: stuck, their job out of attempts).
    func list(state: SagaState?, limit: Int, logger: Logger) async throws -> [SagaView] {
        var query = selectViews(logger)
        switch state {
        case .failed?:
            query = query.where(SQLColumn("state", table: "jobs"), .equal, SQLBind(JobState.failed.rawValue))
                .where(SQLColumn("state", table: "sagas"), .notIn, SQLBind.group([SagaState.completed, .compensated].map(\.rawValue)))
        case let state?:
            query = query.where(SQLColumn("state", table: "sagas"), .equal, SQLBind(state.rawValue))
                .where(SQLColumn("state", table: "jobs"), .notEqual, SQLBind(JobState.failed.rawValue))
        case nil:
            break
        }
        return try await query.orderBy(SQLOrderBy(expression: SQLColumn("created_at", table: "sagas"), direction: SQLDirection.descending)).limit(
            limit
        ).all(decoding: SagaView.self)
    }

    private func selectViews(_ logger: Logger) -> SQLSelectBuilder {
        database.sql(logger: logger).select()
            .column(SQLColumn("id", table: "sagas")).column(SQLColumn("kind", table: "sagas")).column(SQLColumn("user_id", table: "sagas"))
            .column(SQLColumn("state", table: "sagas")).column(SQLColumn("step", table: "sagas"))
            .column(SQLColumn("resume_at", table: "sagas")).column(SQLColumn("created_at", table: "sagas"))
            .column(SQLColumn("updated_at", table: "sagas")).column(SQLColumn("finished_at", table: "sagas"))
            .column(SQLColumn("job_id", table: "sagas"))
            .column(SQLAlias(SQLColumn("state", table: "jobs"), as: SQLIdentifier("job_state")))
            .column(SQLAlias(SQLColumn("attempts", table: "jobs"), as: SQLIdentifier("attempts")))
            .column(SQLAlias(SQLColumn("error", table: "jobs"), as: SQLIdentifier("error")))
            .from("sagas")
            .join("jobs", method: SQLJoinMethod.left, on: SQLColumn("job_id", table: "sagas"), .equal, SQLColumn("id", table: "jobs"))
    }
}
