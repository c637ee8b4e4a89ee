import Foundation
import Logging
import SQLKit

/// Storage of tasks. Every read and write is scoped by owner in the query itself.
struct TaskStore: Sendable {
    let database: DocketDatabase
    let metrics: DocketMetrics

    private func sql(_ logger: Logger) -> any SQLDatabase { database.sql(logger: logger) }

    /// Inserts a new task and counts it for its owner; returns how many tasks the owner now holds.
    @discardableResult
    func insert(_ task: TaskRecord, on sql: any SQLDatabase) async throws -> Int {
        try await metrics.timed("task_insert") { try await sql.insert(into: "tasks").model(task, nilEncodingStrategy: .asNil).run() }
        return try await Self.adjustCount(of: task.userID, by: 1, on: sql)
    }

    /// Inserts several new tasks in one statement (a job's batch) and counts them for their owners.
    func insert(_ tasks: [TaskRecord], on sql: any SQLDatabase) async throws {
        guard !tasks.isEmpty else { return }
        try await metrics.timed("task_insert") { try await sql.insert(into: "tasks").models(tasks, nilEncodingStrategy: .asNil).run() }
        for (owner, added) in Dictionary(grouping: tasks, by: \.userID).mapValues(\.count) {
            try await Self.adjustCount(of: owner, by: added, on: sql)
        }
    }

    /// Adds `change` to the number of tasks `owner` holds (in the caller's transaction); returns the new number.
    @discardableResult
    static func adjustCount(of owner: UUID, by change: Int, on sql: any SQLDatabase) async throws -> Int {
        let row = try await sql.raw(
            """
            INSERT INTO task_counts (user_id, held) VALUES (\(bind: owner), \(bind: change))
            ON CONFLICT (user_id) DO UPDATE SET held = task_counts.held + \(bind: change) RETURNING held
            """
        ).first()
        return try row?.decode(column: "held", as: Int.self) ?? change
    }

    /// How many tasks `owner` holds.
    static func count(of owner: UUID, on sql: any SQLDatabase) async throws -> Int {
        try await sql.raw("SELECT held FROM task_counts WHERE user_id = \(bind: owner)").first()?.decode(column: "held", as: Int.self) ?? 0
    }

    /// The owner's task with `id`, or nil (whether it is missing or someone else's); on SQLite from the read pool, on
    /// PostgreSQL as a prepared statement.
    func find(_ id: UUID, owner: UUID, logger: Logger) async throws -> TaskRecord? {
        guard let reads = database.sqliteReads else {
            let statement = PostgresTaskStatements.FindTask(id: id, owner: owner)
            return try await metrics.timed("task_get") { try await database.postgresRows(statement, logger: logger).first }
        }
        return try await metrics.timed("task_get") { try reads.lookup(Self.findSQL(id, owner: owner)) { try TaskRecord(sqliteRow: $0) } }
    }

    /// The owner's task with `id` read through `sql` (inside a transaction, say).
    func find(_ id: UUID, owner: UUID, on sql: any SQLDatabase) async throws -> TaskRecord? {
        try await metrics.timed("task_get") { try await sql.raw(Self.findSQL(id, owner: owner)).first().map { try TaskRecord(row: $0) } }
    }

    private static func findSQL(_ id: UUID, owner: UUID) -> SQLQueryString {
        "SELECT \(TaskRecord.columnList) FROM tasks WHERE id = \(bind: id) AND user_id = \(bind: owner)"
    }

    /// Whether a task with `id` exists for anyone (decides 403 versus 404 after an owner-scoped miss).
    func exists(_ id: UUID, logger: Logger) async throws -> Bool {
        let query: SQLQueryString = "SELECT id FROM tasks WHERE id = \(bind: id)"
        if let reads = database.sqliteReads { return try reads.lookup(query) { _ in true } ?? false }
        return try await sql(logger).raw(query).first() != nil
    }

    /// Writes `task` through `sql` (the change's transaction) if the stored version is still `expectedVersion`; false
    /// when it moved on or vanished.
    func update(_ task: TaskRecord, expectedVersion: Int, on sql: any SQLDatabase) async throws -> Bool {
        let rows = try await metrics.timed("task_update") {
            try await sql.update("tasks")
                .set(model: task, nilEncodingStrategy: .asNil)
                .where("id", .equal, SQLBind(task.id)).where("user_id", .equal, SQLBind(task.userID))
                .where("version", .equal, SQLBind(expectedVersion))
                .returning("id")
                .all()
        }
        return !rows.isEmpty
    }

    /// Whether task `id` matches `query`'s filters (its owner, statuses, priorities, dates, text), read through `sql`.
    func matches(_ query: TaskListQuery, id: UUID, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw(query.matchSQL(id: id)).first() != nil
    }

    /// Deletes the owner's task, optionally only at `version`; false when nothing matched.
    func delete(_ id: UUID, owner: UUID, version: Int?, on sql: any SQLDatabase) async throws -> Bool {
        var query = sql.delete(from: "tasks").where("id", .equal, SQLBind(id)).where("user_id", .equal, SQLBind(owner))
        if let version { query = query.where("version", .equal, SQLBind(version)) }
        guard try await !query.returning("id").all().isEmpty else { return false }
        try await Self.adjustCount(of: owner, by: -1, on: sql)
        return true
    }

    /// One page of the owner's tasks for `query`, plus the total when asked; on SQLite from the read pool, on PostgreSQL
    /// the default listing as a prepared statement.
    func list(_ query: TaskListQuery, logger: Logger) async throws -> (rows: [TaskRecord], total: Int?) {
        guard let reads = database.sqliteReads else {
            guard let page = PostgresTaskStatements.page(query) else { return try await list(query, on: sql(logger)) }
            let rows = try await metrics.timed("task_list") {
                switch page {
                case .first(let statement): try await database.postgresRows(statement, logger: logger)
                case .after(let statement): try await database.postgresRows(statement, logger: logger)
                }
            }
            let total = query.includeTotal ? try await sql(logger).raw(query.countSQL()).first()?.decode(column: "total", as: Int.self) : nil
            return (rows, total)
        }
        let rows = try await metrics.timed("task_list") { try await reads.all(query.pageSQL()) { try TaskRecord(sqliteRow: $0) } }
        var total: Int?
        if query.includeTotal {
            total = try await reads.first(query.countSQL()) { Int($0.int64(0)) }
        }
        return (rows, total)
    }

    /// `list(_:logger:)` through `sql` (inside a transaction, say).
    func list(_ query: TaskListQuery, on sql: any SQLDatabase) async throws -> (rows: [TaskRecord], total: Int?) {
        let rows = try await metrics.timed("task_list") { try await sql.raw(query.pageSQL()).all().map { try TaskRecord(row: $0) } }
        var total: Int?
        if query.includeTotal {
            total = try await sql.raw(query.countSQL()).first()?.decode(column: "total", as: Int.self)
        }
        return (rows, total)
    }

    /// The owner's workload as of `today` (`YYYY-MM-DD`), counted in the database.
    func workload(owner: UUID, today: String, weekEnd: String, logger: Logger) async throws -> Workload {
        let rows = try await sql(logger).raw(
            """
            SELECT status, priority, COUNT(*) AS n,
              SUM(CASE WHEN status <> 'done' AND due_date < \(bind: today) THEN 1 ELSE 0 END) AS overdue,
              SUM(CASE WHEN status <> 'done' AND due_date >= \(bind: today) AND due_date <= \(bind: weekEnd) THEN 1 ELSE 0 END) AS soon
            FROM tasks WHERE user_id = \(bind: owner) GROUP BY status, priority
            """
        ).all()
        var workload = Workload()
        for row in rows {
            let count = try row.decode(column: "n", as: Int.self)
            workload.total += count
            workload.byStatus[try row.decode(column: "status", as: String.self), default: 0] += count
            workload.byPriority[try row.decode(column: "priority", as: String.self), default: 0] += count
            workload.overdue += try row.decode(column: "overdue", as: Int?.self) ?? 0
            workload.dueThisWeek += try row.decode(column: "soon", as: Int?.self) ?? 0
        }
        return workload
    }
}
