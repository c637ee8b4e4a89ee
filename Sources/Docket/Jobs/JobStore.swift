import Foundation
import Logging
import SQLKit

/// The job queue's table. Claims are atomic: `FOR UPDATE SKIP LOCKED` on PostgreSQL (any number of nodes share the
/// work), the single writer on SQLite. Every write by a worker names its lease, so a node that lost a job can no
/// longer change it.
struct JobStore: Sendable {
    let database: DocketDatabase

    private func sql(_ logger: Logger) -> any SQLDatabase { database.sql(logger: logger) }

    /// Adds a job.
    func insert(_ job: JobRecord, logger: Logger) async throws {
        try await insert(job, on: sql(logger))
    }

    /// Stores a new job through `sql` (inside the transaction of the change that asks for it, say).
    func insert(_ job: JobRecord, on sql: any SQLDatabase) async throws {
        try await Self.insert(job, on: sql)
    }

    /// Stores a new job through `sql`, for code that holds a transaction but no store (a saga step).
    static func insert(_ job: JobRecord, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "jobs").model(job, nilEncodingStrategy: .asNil).run()
    }

    /// The job with `id`, when `owner` is nil or owns it (and it is of one of `kinds`, when given).
    func find(_ id: UUID, owner: UUID?, kinds: [String]? = nil, logger: Logger) async throws -> JobRecord? {
        var query = sql(logger).select().column("*").from("jobs").where("id", .equal, SQLBind(id))
        if let owner { query = query.where("user_id", .equal, SQLBind(owner)) }
        if let kinds { query = query.where("kind", .in, SQLBind.group(kinds)) }
        return try await query.first(decoding: JobRecord.self)
    }

    /// How many of the owner's jobs of `kinds` are queued or running.
    func pendingCount(owner: UUID, kinds: [String], logger: Logger) async throws -> Int {
        let row = try await sql(logger).raw(
            """
            SELECT COUNT(*) AS n FROM jobs WHERE user_id = \(bind: owner) AND kind IN (\(binds: kinds)) AND state IN ('queued', 'running')
            """
        ).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    /// The owner's jobs, newest first, optionally in one state (and of `kinds`, when given).
    func list(owner: UUID, state: JobState?, kinds: [String]? = nil, limit: Int, logger: Logger) async throws -> [JobRecord] {
        var query = sql(logger).select().column("*").from("jobs").where("user_id", .equal, SQLBind(owner))
        if let state { query = query.where("state", .equal, SQLBind(state.rawValue)) }
        if let kinds { query = query.where("kind", .in, SQLBind.group(kinds)) }
        return try await query.orderBy("created_at", .descending).orderBy("id", .descending).limit(limit).all(decoding: JobRecord.self)
    }

    /// Takes the next due job (queued and due at the node's `now`, or running with a lease expired by the database's
    /// clock) for `worker`, leasing it for `leaseMicroseconds` of the database's clock and counting the attempt; nil
    /// when there is none. `sparingBusyOwners` passes over the accounts that already have a job of `kinds` running, so
    /// one account's long queue does not hold every slot while another account waits.
    func claim(
        worker: String, kinds: [String], owner: UUID? = nil, sparingBusyOwners: Bool = false, now: Int64, leaseMicroseconds: Int64,
        logger: Logger
    ) async throws -> JobRecord? {
        let skipLocked: SQLQueryString = database.location.kind == "postgres" ? " FOR UPDATE SKIP LOCKED" : ""
        let ownerOnly: SQLQueryString = owner.map { " AND candidate.user_id = \(bind: $0)" } ?? ""
        let clock = DatabaseClock.now(database.location)
        // The busy accounts are read once (a handful of running jobs), not per candidate: a correlated check made
        // each claim scan one account's whole queue per queued job, holding SQLite's write lock meanwhile.
        let sparing: SQLQueryString =
            sparingBusyOwners
            ? """
             AND (candidate.user_id IS NULL OR candidate.user_id NOT IN (SELECT busy.user_id FROM jobs AS busy
                WHERE busy.state = 'running' AND busy.user_id IS NOT NULL AND busy.kind IN (\(binds: kinds))
                AND busy.lease_expires_at >= \(clock)))
            """ : ""
        let query: SQLQueryString = """
            UPDATE jobs SET state = 'running', lease_owner = \(bind: worker), lease_expires_at = \(clock) + \(bind: leaseMicroseconds),
              attempts = attempts + 1, started_at = COALESCE(started_at, \(bind: now)), updated_at = \(bind: now)
            WHERE id = (
              SELECT candidate.id FROM jobs AS candidate
              WHERE candidate.kind IN (\(binds: kinds))\(ownerOnly) AND ((candidate.state = 'queued' AND candidate.run_at <= \(bind: now))
                OR (candidate.state = 'running' AND candidate.lease_expires_at < \(clock)))\(sparing)
              ORDER BY candidate.run_at, candidate.id LIMIT 1\(skipLocked))
            RETURNING *
            """
        return try await sql(logger).raw(query).first(decoding: JobRecord.self)
    }

    /// Records progress and extends the lease by `leaseMicroseconds` of the database's clock, on `sql` (the transaction
    /// that did the step's work); false when the lease is no longer `worker`'s or a cancellation was requested (the
    /// caller then rolls the step back).
    func recordProgress(
        _ id: UUID, worker: String, done: Int, total: Int?, checkpoint: String?, now: Int64, leaseMicroseconds: Int64, on sql: any SQLDatabase
    ) async throws -> Bool {
        let leaseUntil: SQLQueryString = "\(DatabaseClock.now(database.location)) + \(bind: leaseMicroseconds)"
        return try await !sql.update("jobs")
            .set("progress_done", to: SQLBind(done)).set("progress_total", to: SQLBind(total)).set("checkpoint", to: SQLBind(checkpoint))
            .set("lease_expires_at", to: leaseUntil).set("updated_at", to: SQLBind(now))
            .where("id", .equal, SQLBind(id)).where("lease_owner", .equal, SQLBind(worker)).where("state", .equal, SQLBind("running"))
            .where("cancel_requested", .equal, SQLBind(false))
            .returning("id").all().isEmpty
    }

    /// Whether `worker` still holds the running job's lease, on `sql`: the row is touched (`updated_at`), so on
    /// PostgreSQL it stays locked until `sql`'s transaction ends and no other node can take the job in between.
    func holdsLease(_ id: UUID, worker: String, now: Int64, on sql: any SQLDatabase) async throws -> Bool {
        try await !sql.update("jobs").set("updated_at", to: SQLBind(now))
            .where("id", .equal, SQLBind(id)).where("lease_owner", .equal, SQLBind(worker)).where("state", .equal, SQLBind("running"))
            .returning("id").all().isEmpty
    }

    /// Finishes a running job of `worker` in `state` (succeeded, failed or cancelled) with its result or error.
    @discardableResult
    func finish(
        _ id: UUID, worker: String, state: JobState, result: String?, error: String?, now: Int64, logger: Logger
    ) async throws -> Bool {
        try await !sql(logger).update("jobs")
            .set("state", to: SQLBind(state.rawValue)).set("result", to: SQLBind(result)).set("error", to: SQLBind(error))
            .set("finished_at", to: SQLBind(now)).set("updated_at", to: SQLBind(now))
            .set("lease_owner", to: SQLLiteral.null).set("lease_expires_at", to: SQLLiteral.null)
            .where("id", .equal, SQLBind(id)).where("lease_owner", .equal, SQLBind(worker)).where("state", .equal, SQLBind("running"))
            .returning("id").all().isEmpty
    }

    /// Puts a running job of `worker` back in the queue to run at `runAt`; a release (`countAttempt` false) does not
    /// use up an attempt.
    @discardableResult
    func requeue(_ id: UUID, worker: String, runAt: Int64, error: String?, countAttempt: Bool, now: Int64, logger: Logger) async throws -> Bool {
        let attempts: SQLQueryString = countAttempt ? "attempts" : "attempts - 1"
        let query: SQLQueryString = """
            UPDATE jobs SET state = 'queued', run_at = \(bind: runAt), error = \(bind: error), attempts = \(attempts),
              lease_owner = NULL, lease_expires_at = NULL, updated_at = \(bind: now)
            WHERE id = \(bind: id) AND lease_owner = \(bind: worker) AND state = 'running'
            RETURNING id
            """
        return try await !sql(logger).raw(query).all().isEmpty
    }

    /// Cancels the owner's queued job at once, or asks a running one to stop at its next step (one statement, so a job
    /// moving between the two states meanwhile cannot slip through); returns the job after.
    func cancel(_ id: UUID, owner: UUID, now: Int64, logger: Logger) async throws -> JobRecord? {
        let query: SQLQueryString = """
            UPDATE jobs SET
              finished_at = CASE WHEN state = 'queued' THEN \(bind: now) ELSE finished_at END,
              cancel_requested = CASE WHEN state = 'running' THEN \(bind: true) ELSE cancel_requested END,
              state = CASE WHEN state = 'queued' THEN 'cancelled' ELSE state END,
              updated_at = \(bind: now)
            WHERE id = \(bind: id) AND user_id = \(bind: owner) AND state IN ('queued', 'running')
            """
        try await sql(logger).raw(query).run()
        return try await find(id, owner: owner, logger: logger)
    }

    /// Puts the owner's failed or cancelled job back in the queue with fresh attempts; returns the job after.
    func retry(_ id: UUID, owner: UUID, now: Int64, logger: Logger) async throws -> JobRecord? {
        try await sql(logger).update("jobs")
            .set("state", to: SQLBind(JobState.queued.rawValue)).set("attempts", to: SQLBind(0)).set("run_at", to: SQLBind(now))
            .set("cancel_requested", to: SQLBind(false)).set("error", to: SQLLiteral.null).set("finished_at", to: SQLLiteral.null)
            .set("updated_at", to: SQLBind(now))
            .where("id", .equal, SQLBind(id)).where("user_id", .equal, SQLBind(owner))
            .where("state", .in, SQLBind.group([JobState.failed.rawValue, JobState.cancelled.rawValue]))
            .run()
        return try await find(id, owner: owner, logger: logger)
    }

    /// Queued jobs by kind: how many, and the oldest one's enqueue time.
    func queueDepth(logger: Logger) async throws -> [(kind: String, count: Int, oldest: Int64)] {
        let rows = try await sql(logger).raw(
            "SELECT kind, COUNT(*) AS n, MIN(created_at) AS oldest FROM jobs WHERE state = 'queued' GROUP BY kind"
        ).all()
        return try rows.map {
            (
                try $0.decode(column: "kind", as: String.self), try $0.decode(column: "n", as: Int.self),
                try $0.decode(column: "oldest", as: Int64.self)
            )
        }
    }

    /// Makes a queued job due now, on `sql` (a deferred saga that must act at once: its owner restored the account).
    func runNow(_ id: UUID, now: Int64, on sql: any SQLDatabase) async throws {
        try await sql.update("jobs").set("run_at", to: SQLBind(now)).set("updated_at", to: SQLBind(now))
            .where("id", .equal, SQLBind(id)).where("state", .equal, SQLBind(JobState.queued.rawValue)).run()
    }

    /// Puts a failed or cancelled job back in the queue with fresh attempts, whoever owns it (an operator's retry);
    /// false when it is in another state.
    func requeueFinished(_ id: UUID, now: Int64, logger: Logger) async throws -> Bool {
        let query: SQLQueryString = """
            UPDATE jobs SET state = 'queued', attempts = 0, run_at = \(bind: now), error = NULL, finished_at = NULL,
              cancel_requested = \(bind: false), lease_owner = NULL, lease_expires_at = NULL, updated_at = \(bind: now)
            WHERE id = \(bind: id) AND state IN ('failed', 'cancelled')
            RETURNING id
            """
        return try await !sql(logger).raw(query).all().isEmpty
    }
}
