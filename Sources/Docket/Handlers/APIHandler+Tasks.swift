import DocketAPI
import Foundation
import NIOCore

extension APIHandler {
    func createTask(_ input: Operations.CreateTask.Input) async throws -> Operations.CreateTask.Output {
        guard case .json(let body) = input.body else { throw AppError(.unsupportedMediaType, "Send application/json.") }
        let caller = try await requireUser()
        let newTask = TaskService.NewTask(
            title: body.title, description: body.description, status: body.status.flatMap { TaskStatus(rawValue: $0.rawValue) },
            priority: body.priority.flatMap { TaskPriority(rawValue: $0.rawValue) }, dueDate: body.dueDate)
        let requestHash = SecureToken.hash(String(decoding: try TaskJSON.encoder.encode(body), as: UTF8.self))
        let task = try await tasks.create(
            newTask, requestHash: requestHash, idempotencyKey: input.headers.idempotencyKey, owner: caller.id, logger: requestLogger)
        return .created(.init(headers: .init(location: "/api/v1/tasks/\(task.id)", eTag: "\"\(task.version)\""), body: .json(task)))
    }

    func getTask(_ input: Operations.GetTask.Input) async throws -> Operations.GetTask.Output {
        let caller = try await requireUser()
        let task = try await tasks.get(try taskID(input.path.id), owner: caller.id, origin: try request.origin, logger: requestLogger)
        if ETag.matches(input.headers.ifNoneMatch, current: task) {
            return .notModified(.init(headers: .init(eTag: task.etag)))
        }
        return .ok(.init(headers: .init(eTag: task.etag), body: .json(.init(task))))
    }

    func updateTask(_ input: Operations.UpdateTask.Input) async throws -> Operations.UpdateTask.Output {
        let caller = try await requireUser()
        let patch: Components.Schemas.TaskPatch
        switch input.body {
        case .json(let body), .applicationMergePatchJson(let body): patch = body
        }
        let task = try await tasks.patch(
            try taskID(input.path.id), owner: caller.id, patch: patch, present: try presentKeys(), ifMatch: input.headers.ifMatch,
            origin: try request.origin, logger: requestLogger)
        return .ok(.init(headers: .init(eTag: task.etag), body: .json(.init(task))))
    }

    func deleteTask(_ input: Operations.DeleteTask.Input) async throws -> Operations.DeleteTask.Output {
        let caller = try await requireUser()
        try await tasks.delete(
            try taskID(input.path.id), owner: caller.id, ifMatch: input.headers.ifMatch, origin: try request.origin, logger: requestLogger)
        return .noContent(.init())
    }

    func listTasks(_ input: Operations.ListTasks.Input) async throws -> Operations.ListTasks.Output {
        let caller = try await requireUser()
        let parameters = input.query
        var errors: [FieldError] = []
        var query = TaskListQuery(owner: caller.id)
        query.statuses = (parameters.status ?? []).compactMap { TaskStatus(rawValue: $0.rawValue) }
        query.priorities = (parameters.priority ?? []).compactMap { TaskPriority(rawValue: $0.rawValue) }
        query.dueBefore = TaskRules.dueDate(parameters.dueBefore, pointer: "#/query/due_before", into: &errors)
        query.dueAfter = TaskRules.dueDate(parameters.dueAfter, pointer: "#/query/due_after", into: &errors)
        if let text = parameters.q {
            if text.count > 200 || text.unicodeScalars.contains(where: { $0.value == 0 }) {
                errors.append(FieldError(pointer: "#/query/q", message: "must be at most 200 characters without NUL"))
            }
            query.text = text
        }
        query.sort = parameters.sort.flatMap { TaskListQuery.Sort(rawValue: $0.rawValue) } ?? .createdAt
        query.descending = parameters.order != .asc
        query.includeTotal = parameters.includeTotal ?? false
        if let cursor = parameters.cursor, cursor.count > 1024 {
            errors.append(FieldError(pointer: "#/query/cursor", message: "is too long"))
        }
        try CredentialRules.check(errors)
        (query.limit, query.offset) = try Paging.validate(limit: parameters.limit, offset: parameters.offset)
        let page = try await tasks.list(query, cursor: parameters.cursor, logger: requestLogger)
        return .ok(.init(body: .json(page)))
    }

    /// A path id as a UUID, or a 400 problem.
    private func taskID(_ text: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw AppError(.badRequest, "The task id is not a UUID.") }
        return id
    }

    /// The keys of the raw JSON body: true when set to a value, false when set to `null`.
    private func presentKeys() throws -> [String: Bool] {
        guard let buffer = try request.context.collectedBody,
            let object = try? JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any]
        else { return [:] }
        return object.mapValues { !($0 is NSNull) }
    }
}
