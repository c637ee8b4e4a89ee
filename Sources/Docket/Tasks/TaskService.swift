import DocketAPI
import FluentKit
import Foundation
import Logging
import SQLKit

/// The task operations, owner-scoped, with ETags, merge-patch semantics and idempotent creation.
struct TaskService: Sendable {
    let store: TaskStore
    let idempotency: IdempotencyStore
    let cursors: TaskCursor
    let audit: AuditLog
    let database: DocketDatabase

    /// The fields of a new task, already decoded.
    struct NewTask {
        let title: String
        let description: String?
        let status: TaskStatus?
        let priority: TaskPriority?
        let dueDate: String?
    }

    /// Creates a task; with an idempotency key, replays the first answer for the same body or refuses a different one.
    func create(_ input: NewTask, requestHash: String, idempotencyKey: String?, owner: UUID, logger: Logger) async throws
        -> Components.Schemas.Task
    {
        var errors: [FieldError] = []
        let title = TaskRules.title(input.title, into: &errors)
        let description = TaskRules.description(input.description, into: &errors)
        let dueDate = TaskRules.dueDate(input.dueDate, into: &errors)
        if let key = idempotencyKey, key.isEmpty || key.count > 255 || !key.unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value <= 0x7E }) {
            throw AppError(.badRequest, "Idempotency-Key must be 1 to 255 visible ASCII characters.")
        }
        try CredentialRules.check(errors)
        let now = Microseconds.now()
        let status = input.status ?? .todo
        var record = TaskRecord(
            id: UUID(), userID: owner, title: title, description: description, status: status, priority: input.priority ?? .medium,
            priorityRank: 0, dueDate: dueDate, dueAsc: "", dueDesc: "", completedAt: status == .done ? now : nil, createdAt: now,
            updatedAt: now, version: 1)
        record.refreshSortKeys()
        let task = record
        let wire = Components.Schemas.Task(task)
        guard let key = idempotencyKey else {
            try await store.insert(task, on: database.sql(logger: logger))
            return wire
        }
        for _ in 0..<2 {
            if let existing = try await idempotency.find(key: key, owner: owner, on: database.sql(logger: logger)) {
                return try replay(existing, requestHash: requestHash)
            }
            do {
                let body = String(decoding: try TaskJSON.encoder.encode(wire), as: UTF8.self)
                try await database.database(logger: logger).transaction { db in
                    let sql = db as! any SQLDatabase
                    try await store.insert(task, on: sql)
                    try await idempotency.remember(key: key, owner: owner, requestHash: requestHash, taskID: task.id, responseBody: body, on: sql)
                }
                return wire
            } catch let error as any DatabaseError where error.isConstraintFailure {
                continue  // A concurrent request with the same key won; replay its answer.
            }
        }
        throw AppError(.conflict, "A request with this Idempotency-Key is in progress; retry shortly.")
    }

    private func replay(_ entry: IdempotencyStore.Entry, requestHash: String) throws -> Components.Schemas.Task {
        guard SecureToken.constantTimeEquals(entry.requestHash, requestHash) else {
            throw AppError.validation([FieldError(pointer: "", message: "this Idempotency-Key was used with a different request body")])
        }
        return try TaskJSON.decoder.decode(Components.Schemas.Task.self, from: Data(entry.responseBody.utf8))
    }

    /// The owner's task, or 403 (someone else's, audited) or 404 (nobody's).
    func get(_ id: UUID, owner: UUID, origin: RequestOrigin, logger: Logger) async throws -> TaskRecord {
        if let task = try await store.find(id, owner: owner, logger: logger) { return task }
        throw try await missing(id, owner: owner, origin: origin, logger: logger)
    }

    /// Applies a merge patch (`present` lists the keys the client sent, so `null` can clear), honouring `If-Match`.
    func patch(
        _ id: UUID, owner: UUID, patch: Components.Schemas.TaskPatch, present: [String: Bool], ifMatch: String?, origin: RequestOrigin,
        logger: Logger
    ) async throws -> TaskRecord {
        var errors: [FieldError] = []
        for field in ["title", "status", "priority"] where present[field] == false {
            errors.append(FieldError(pointer: "/\(field)", message: "must not be null"))
        }
        let title = patch.title.map { TaskRules.title($0, into: &errors) }
        let description = TaskRules.description(patch.description, into: &errors)
        let dueDate = TaskRules.dueDate(patch.dueDate, into: &errors)
        try CredentialRules.check(errors)

        for _ in 0..<50 {
            let current = try await get(id, owner: owner, origin: origin, logger: logger)
            try ETag.check(ifMatch, current: current)
            var next = current
            if let title { next.title = title }
            if present["description"] != nil { next.description = description }
            if present["due_date"] != nil { next.dueDate = dueDate }
            if let priority = patch.priority { next.priority = TaskPriority(rawValue: priority.rawValue)! }
            if let status = patch.status.flatMap({ TaskStatus(rawValue: $0.rawValue) }), status != current.status {
                next.status = status
                next.completedAt = status == .done ? Microseconds.now() : nil
            }
            next.refreshSortKeys()
            if next == current { return current }
            next.version = current.version + 1
            next.updatedAt = max(Microseconds.now(), current.updatedAt + 1)
            if try await store.update(next, expectedVersion: current.version, logger: logger) { return next }
            // Someone else changed it between our read and write: with If-Match that is a failed precondition, else retry.
            if ifMatch != nil { throw ETag.failed }
        }
        throw AppError(.conflict, "The task is being changed concurrently; retry.")
    }

    /// Deletes the owner's task, honouring `If-Match`.
    func delete(_ id: UUID, owner: UUID, ifMatch: String?, origin: RequestOrigin, logger: Logger) async throws {
        let current = try await get(id, owner: owner, origin: origin, logger: logger)
        try ETag.check(ifMatch, current: current)
        guard try await store.delete(id, owner: owner, version: ifMatch == nil ? nil : current.version, logger: logger) else {
            if ifMatch != nil { throw ETag.failed }
            throw AppError.notFound("No such task.")
        }
    }

    /// One page of the owner's tasks.
    func list(_ query: TaskListQuery, cursor: String?, logger: Logger) async throws -> Components.Schemas.TaskPage {
        var query = query
        // The fingerprint hashes every filter; compute it once per request, not once per cursor operation.
        let fingerprint = query.fingerprint
        if let cursor {
            guard query.offset == 0 else { throw AppError(.badRequest, "Use either cursor or offset, not both.") }
            query.after = try cursors.decode(cursor, fingerprint: fingerprint)
        }
        let (rows, total) = try await store.list(query, logger: logger)
        let page = Array(rows.prefix(query.limit))
        let nextCursor = rows.count > query.limit ? page.last.map { cursors.encode(query.position(of: $0), fingerprint: fingerprint) } : nil
        return Components.Schemas.TaskPage(items: page.map(Components.Schemas.Task.init), limit: query.limit, nextCursor: nextCursor, total: total)
    }

    private func missing(_ id: UUID, owner: UUID, origin: RequestOrigin, logger: Logger) async throws -> AppError {
        guard try await store.exists(id, logger: logger) else { return AppError.notFound("No such task.") }
        await audit.record(.crossUserAccess, userID: owner, origin: origin, details: "task \(id.uuidString.lowercased())", logger: logger)
        return AppError.forbidden("This task belongs to another user.")
    }
}

/// Strong ETags built from task versions, and `If-Match` checks.
enum ETag {
    static let failed = AppError(.preconditionFailed, "The task has changed since the given ETag; fetch it again.")

    /// Throws 412 unless `ifMatch` is absent, `*`, or lists the current ETag.
    static func check(_ ifMatch: String?, current: TaskRecord) throws {
        guard let ifMatch else { return }
        let tags = ifMatch.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard tags.contains("*") || tags.contains(current.etag) else { throw failed }
    }

    /// Whether an `If-None-Match` value names the current ETag (weak comparison, as RFC 9110 asks for GET).
    static func matches(_ ifNoneMatch: String?, current: TaskRecord) -> Bool {
        guard let ifNoneMatch else { return false }
        let tags = ifNoneMatch.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return tags.contains("*") || tags.contains { $0 == current.etag || $0 == "W/" + current.etag }
    }
}

/// JSON coding of stored responses, matching the API's date format.
enum TaskJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
