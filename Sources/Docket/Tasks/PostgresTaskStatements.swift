import Foundation
import PostgresNIO

/// The hot task reads on PostgreSQL as prepared statements (parsed and planned once per connection, then run by
/// name), rows decoded by position: a task by id, and the first and following pages of the default listing (newest
/// first, no filters), which is what clients ask for most. Other listings keep their SQLKit form.
enum PostgresTaskStatements {
    /// The task columns in the order `TaskRecord(postgresRow:)` decodes them.
    static let columns =
        "id, user_id, title, description, status, priority, priority_rank, due_date, due_asc, due_desc, completed_at, created_at, updated_at, version"

    /// The owner's task with an id.
    struct FindTask: TaskRowsStatement {
        static let sql = "SELECT \(columns) FROM tasks WHERE id = $1 AND user_id = $2"
        let id: UUID
        let owner: UUID

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(id)
            bindings.append(owner)
            return bindings
        }
    }

    /// The first `limit` of the owner's tasks, newest first.
    struct NewestFirst: TaskRowsStatement {
        static let sql = "SELECT \(columns) FROM tasks WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
        let owner: UUID
        let limit: Int

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(owner)
            bindings.append(limit)
            return bindings
        }
    }

    /// The next `limit` of the owner's tasks, newest first, after the cursor's (created_at, id).
    struct NewestFirstAfter: TaskRowsStatement {
        static let sql =
            "SELECT \(columns) FROM tasks WHERE user_id = $1 AND (created_at, id) < ($2, $3) ORDER BY created_at DESC, id DESC LIMIT $4"
        let owner: UUID
        let createdAt: Int64
        let id: UUID
        let limit: Int

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(owner)
            bindings.append(createdAt)
            bindings.append(id)
            bindings.append(limit)
            return bindings
        }
    }

    /// A page of the default listing, first or following.
    enum Page {
        case first(NewestFirst)
        case after(NewestFirstAfter)
    }

    /// The prepared statement for `query`'s page (one row more than the page, as `pageSQL` reads) when it is the
    /// default listing (no filters, newest first, no offset), else nil.
    static func page(_ query: TaskListQuery) -> Page? {
        guard query.statuses.isEmpty, query.priorities.isEmpty, query.dueBefore == nil, query.dueAfter == nil, (query.text ?? "").isEmpty,
            query.sort == .createdAt, query.descending, query.offset == 0
        else { return nil }
        guard let after = query.after else { return .first(NewestFirst(owner: query.owner, limit: query.limit + 1)) }
        guard case .number(let createdAt) = after.key else { return nil }
        return .after(NewestFirstAfter(owner: query.owner, createdAt: createdAt, id: after.id, limit: query.limit + 1))
    }
}

/// A prepared statement whose rows are `PostgresTaskStatements.columns`, decoded into tasks.
protocol TaskRowsStatement: PostgresPreparedStatement where Row == TaskRecord {}

extension TaskRowsStatement {
    func decodeRow(_ row: PostgresRow) throws -> TaskRecord { try TaskRecord(postgresRow: row) }
}

extension TaskRecord {
    /// Reads a row of `PostgresTaskStatements.columns` by position.
    init(postgresRow row: PostgresRow) throws {
        let (id, userID, title, description, status, priority, rank, dueDate, dueAsc, dueDesc, completedAt, createdAt, updatedAt, version) =
            try row.decode((UUID, UUID, String, String?, String, String, Int, String?, String, String, Int64?, Int64, Int64, Int).self)
        guard let status = TaskStatus(rawValue: status), let priority = TaskPriority(rawValue: priority) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "unknown task status or priority in storage"))
        }
        self.init(
            id: id, userID: userID, title: title, description: description, status: status, priority: priority, priorityRank: rank,
            dueDate: dueDate, dueAsc: dueAsc, dueDesc: dueDesc, completedAt: completedAt, createdAt: createdAt, updatedAt: updatedAt,
            version: version)
    }
}
