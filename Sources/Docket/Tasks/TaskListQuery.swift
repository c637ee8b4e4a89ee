import Foundation
import SQLKit

/// A validated listing request: filters, sort, page position. Builds parameterised SQL only.
struct TaskListQuery: Sendable {
    /// The sort keys a client may choose.
    enum Sort: String, Sendable {
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case dueDate = "due_date"
        case priority
    }

    let owner: UUID
    var statuses: [TaskStatus] = []
    var priorities: [TaskPriority] = []
    var dueBefore: String?
    var dueAfter: String?
    var text: String?
    var sort: Sort = .createdAt
    var descending = true
    var limit = 20
    var offset = 0
    var after: TaskCursor.Position?
    var includeTotal = false

    /// The column each sort reads (due dates have one per direction so missing dates come last both ways).
    var sortColumn: String {
        switch sort {
        case .createdAt: "created_at"
        case .updatedAt: "updated_at"
        case .priority: "priority_rank"
        case .dueDate: descending ? "due_desc" : "due_asc"
        }
    }

    /// The position of `task` in this sort, for the next cursor.
    func position(of task: TaskRecord) -> TaskCursor.Position {
        let key: TaskCursor.Key
        switch sort {
        case .createdAt: key = .number(task.createdAt)
        case .updatedAt: key = .number(task.updatedAt)
        case .priority: key = .number(Int64(task.priorityRank))
        case .dueDate: key = .text(descending ? task.dueDesc : task.dueAsc)
        }
        return TaskCursor.Position(key: key, id: task.id)
    }

    /// A fingerprint of the filters and sort, so a cursor cannot be replayed against another listing.
    var fingerprint: String {
        let parts = [
            statuses.map(\.rawValue).sorted().joined(separator: ","), priorities.map(\.rawValue).sorted().joined(separator: ","),
            dueBefore ?? "", dueAfter ?? "", text ?? "", sort.rawValue, descending ? "desc" : "asc", owner.uuidString,
        ]
        return SecureToken.hash(parts.joined(separator: "\u{1F}"))
    }

    private func filterSQL() -> SQLQueryString {
        var clause: SQLQueryString = "user_id = \(bind: owner)"
        if !statuses.isEmpty {
            clause = "\(clause) AND status IN (\(binds: statuses.map(\.rawValue)))"
        }
        if !priorities.isEmpty {
            clause = "\(clause) AND priority IN (\(binds: priorities.map(\.rawValue)))"
        }
        if let dueBefore { clause = "\(clause) AND due_date <= \(bind: dueBefore)" }
        if let dueAfter { clause = "\(clause) AND due_date >= \(bind: dueAfter)" }
        if let text, !text.isEmpty {
            let pattern = "%" + LikePattern.escape(text.lowercased()) + "%"
            clause = "\(clause) AND (LOWER(title) LIKE \(bind: pattern) ESCAPE '\\' OR LOWER(description) LIKE \(bind: pattern) ESCAPE '\\')"
        }
        return clause
    }

    /// `SELECT` of one page, ordered by the sort column then id, after the cursor position when there is one.
    func pageSQL() -> SQLQueryString {
        var query: SQLQueryString = "SELECT \(TaskRecord.columnList) FROM tasks WHERE \(filterSQL())"
        let direction = descending ? "DESC" : "ASC"
        let comparison = descending ? "<" : ">"
        if let after {
            let keyBind: SQLQueryString
            switch after.key {
            case .number(let value): keyBind = "\(bind: value)"
            case .text(let value): keyBind = "\(bind: value)"
            }
            query = "\(query) AND (\(ident: sortColumn), id) \(unsafeRaw: comparison) (\(keyBind), \(bind: after.id))"
        }
        query = "\(query) ORDER BY \(ident: sortColumn) \(unsafeRaw: direction), id \(unsafeRaw: direction) LIMIT \(literal: limit + 1)"
        if offset > 0 { query = "\(query) OFFSET \(literal: offset)" }
        return query
    }

    /// `SELECT id` of task `id` when it matches the filters.
    func matchSQL(id: UUID) -> SQLQueryString {
        "SELECT id FROM tasks WHERE \(filterSQL()) AND id = \(bind: id)"
    }

    /// `SELECT COUNT(*)` of every match.
    func countSQL() -> SQLQueryString {
        "SELECT COUNT(*) AS total FROM tasks WHERE \(filterSQL())"
    }
}
