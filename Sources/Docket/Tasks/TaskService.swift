import FluentKit
import Foundation
import Logging
import SQLKit

/// The task operations, owner-scoped, with version preconditions, merge-patch semantics and idempotent creation.
struct TaskService: Sendable {
    let store: TaskStore
    let idempotency: IdempotencyStore
    let cursors: TaskCursor
    let audit: AuditLog
    let database: DocketDatabase
    let outbox: EventOutbox
    /// How many tasks one account may hold.
    let quota: TaskQuota

    /// The answer when a write's version precondition does not hold (HTTP: a failed `If-Match`).
    static let versionMismatch = AppError(.preconditionFailed, "The task has changed since the given ETag; fetch it again.")

    /// Creates a task; with an idempotency key, replays the first answer for the same request or refuses a different one.
    /// `requestHash` (computed only when there is a key) tells a key reused with another body apart.
    func create(
        _ input: NewTask, requestHash: String?, idempotencyKey: String?, owner: UUID, source: ChangeSource, logger: Logger
    ) async throws -> TaskRecord {
        var errors: [FieldError] = []
        let title = TaskRules.title(input.title, into: &errors)
        let description = TaskRules.description(input.description, into: &errors)
        let dueDate = TaskRules.dueDate(input.dueDate, into: &errors)
        try CredentialRules.check(errors)
        let now = Microseconds.now()
        let status = input.status ?? .todo
        var record = TaskRecord(
            id: UUID(), userID: owner, title: title, description: description, status: status, priority: input.priority ?? .medium,
            priorityRank: 0, dueDate: dueDate, dueAsc: "", dueDesc: "", completedAt: status == .done ? now : nil, createdAt: now,
            updatedAt: now, version: 1)
        record.refreshSortKeys()
        let task = record
        let created = try TaskEventData.event(before: nil, after: task)
        guard let key = idempotencyKey, let requestHash else {
            try await write(owner: owner, source: source, logger: logger) { sql in
                try quota.check(held: try await store.insert(task, on: sql))
                return created
            }
            return task
        }
        for _ in 0..<2 {
            if let existing = try await idempotency.find(key: key, owner: owner, on: database.sql(logger: logger)) {
                return try await replay(existing, requestHash: requestHash, owner: owner, logger: logger)
            }
            do {
                try await write(owner: owner, source: source, logger: logger) { sql in
                    try quota.check(held: try await store.insert(task, on: sql))
                    try await idempotency.remember(key: key, owner: owner, requestHash: requestHash, task: task, on: sql)
                    return created
                }
                return task
            } catch let error as any DatabaseError where error.isConstraintFailure {
                continue  // A concurrent request with the same key won; replay its answer.
            }
        }
        throw AppError(.conflict, "A request with this Idempotency-Key is in progress; retry shortly.")
    }

    /// The task as first created; an entry stored by an older release (another body format) answers with the task as it is now.
    private func replay(_ entry: IdempotencyStore.Entry, requestHash: String, owner: UUID, logger: Logger) async throws -> TaskRecord {
        guard SecureToken.constantTimeEquals(entry.requestHash, requestHash) else {
            throw AppError.validation([FieldError(pointer: "", message: "this Idempotency-Key was used with a different request body")])
        }
        if let task = entry.task { return task }
        guard let current = try await store.find(entry.taskID, owner: owner, logger: logger) else { throw AppError.notFound("No such task.") }
        return current
    }

    /// The owner's task, or 403 (someone else's, audited) or 404 (nobody's).
    func get(_ id: UUID, owner: UUID, origin: RequestOrigin, logger: Logger) async throws -> TaskRecord {
        if let task = try await store.find(id, owner: owner, logger: logger) { return task }
        throw try await missing(id, owner: owner, origin: origin, logger: logger)
    }

    /// Applies a merge patch, honouring the version precondition.
    func patch(
        _ id: UUID, owner: UUID, changes: TaskChanges, precondition: VersionPrecondition?, source: ChangeSource, origin: RequestOrigin,
        logger: Logger
    ) async throws -> TaskRecord {
        var errors: [FieldError] = []
        for (field, cleared) in [("title", changes.title.isClear), ("status", changes.status.isClear), ("priority", changes.priority.isClear)]
        where cleared {
            errors.append(FieldError(pointer: "/\(field)", message: "must not be null"))
        }
        let title = changes.title.newValue.map { TaskRules.title($0, into: &errors) }
        let description = TaskRules.description(changes.description.newValue, into: &errors)
        let dueDate = TaskRules.dueDate(changes.dueDate.newValue, into: &errors)
        try CredentialRules.check(errors)

        var readInside = false
        for _ in 0..<50 {
            // The first attempt reads outside the write (on SQLite from the read pool, beside the one writer); after a
            // concurrent change it reads inside the write transaction, where on SQLite nothing else can write between
            // the read and the update (on PostgreSQL another node still can: the version check catches it).
            let outside = readInside ? nil : try await get(id, owner: owner, origin: origin, logger: logger)
            let attempt: PatchAttempt = try await change(owner: owner, source: source, logger: logger) { sql in
                let read: TaskRecord?
                if let outside { read = outside } else { read = try await store.find(id, owner: owner, on: sql) }
                guard let current = read else { return (.missing, nil) }
                if let precondition, !precondition.admits(current.version) { throw Self.versionMismatch }
                guard let next = Self.applying(changes, title: title, description: description, dueDate: dueDate, to: current) else {
                    return (.done(current), nil)
                }
                guard try await store.update(next, expectedVersion: current.version, on: sql) else { return (.raced, nil) }
                return (.done(next), try TaskEventData.event(before: current, after: next))
            }
            switch attempt {
            case .done(let task): return task
            case .missing: throw try await missing(id, owner: owner, origin: origin, logger: logger)
            case .raced:
                // Someone else changed it between our read and write: with a precondition that is a failure, else retry.
                if precondition != nil { throw Self.versionMismatch }
                readInside = true
            }
        }
        throw AppError(.conflict, "The task is being changed concurrently; retry.")
    }

    /// What one attempt at a patch found.
    private enum PatchAttempt: Sendable {
        case done(TaskRecord)
        case missing
        case raced
    }

    /// `current` with the changes applied and its version and time moved on, or nil when nothing changes.
    private static func applying(
        _ changes: TaskChanges, title: String?, description: String?, dueDate: String?, to current: TaskRecord
    ) -> TaskRecord? {
        var next = current
        if let title { next.title = title }
        if case .keep = changes.description {} else { next.description = description }
        if case .keep = changes.dueDate {} else { next.dueDate = dueDate }
        if let priority = changes.priority.newValue { next.priority = priority }
        if let status = changes.status.newValue, status != current.status {
            next.status = status
            next.completedAt = status == .done ? Microseconds.now() : nil
        }
        next.refreshSortKeys()
        if next == current { return nil }
        next.version = current.version + 1
        next.updatedAt = max(Microseconds.now(), current.updatedAt + 1)
        return next
    }

    /// Deletes the owner's task, honouring the version precondition.
    /// The task is read first and deleted only at the version read, so the `task.deleted` event carries what was deleted.
    func delete(
        _ id: UUID, owner: UUID, precondition: VersionPrecondition?, source: ChangeSource, origin: RequestOrigin, logger: Logger
    ) async throws {
        for _ in 0..<50 {
            let current = try await get(id, owner: owner, origin: origin, logger: logger)
            if let precondition, !precondition.admits(current.version) { throw Self.versionMismatch }
            let event = try TaskEventData.event(before: current, after: nil)
            let deleted = try await write(owner: owner, source: source, logger: logger) { sql in
                try await store.delete(id, owner: owner, version: current.version, on: sql) ? event : nil
            }
            if deleted { return }
            if precondition != nil { throw Self.versionMismatch }
        }
        throw AppError(.conflict, "The task is being changed concurrently; retry.")
    }

    /// Runs `work` in one transaction with the event it returns (none: nothing changed), then wakes the feeds.
    /// Returns whether there was an event.
    @discardableResult
    private func write(
        owner: UUID, source: ChangeSource, logger: Logger, _ work: @Sendable @escaping (any SQLDatabase) async throws -> PendingEvent?
    ) async throws -> Bool {
        let outbox = self.outbox
        let wrote = try await database.hotTransaction(logger: logger) { sql in
            guard let event = try await work(sql) else { return false }
            try await outbox.append(event, owner: owner, source: source, on: sql)
            return true
        }
        if wrote { outbox.committed(owner) }
        return wrote
    }

    /// Runs `work` in one transaction with the event it returns (none: nothing changed), then wakes the feeds; returns
    /// what `work` returned.
    private func change<T: Sendable>(
        owner: UUID, source: ChangeSource, logger: Logger, _ work: @Sendable @escaping (any SQLDatabase) async throws -> (T, PendingEvent?)
    ) async throws -> T {
        let outbox = self.outbox
        let (value, wrote) = try await database.hotTransaction(logger: logger) { sql in
            let (value, event) = try await work(sql)
            guard let event else { return (value, false) }
            try await outbox.append(event, owner: owner, source: source, on: sql)
            return (value, true)
        }
        if wrote { outbox.committed(owner) }
        return value
    }

    /// One page of the owner's tasks.
    func list(_ query: TaskListQuery, cursor: String?, logger: Logger) async throws -> TaskPage {
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
        return TaskPage(items: page, limit: query.limit, nextCursor: nextCursor, total: total)
    }

    private func missing(_ id: UUID, owner: UUID, origin: RequestOrigin, logger: Logger) async throws -> AppError {
        guard try await store.exists(id, logger: logger) else { return AppError.notFound("No such task.") }
        await audit.record(.crossUserAccess, userID: owner, origin: origin, details: "task \(id.uuidString.lowercased())", logger: logger)
        return AppError.forbidden("This task belongs to another user.")
    }
}
