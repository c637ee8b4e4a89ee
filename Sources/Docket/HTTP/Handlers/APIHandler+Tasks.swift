import DocketAPI
import Foundation
import HTTPTypes
import NIOCore

extension APIHandler {
    func createTask(_ input: Operations.CreateTask.Input) async throws -> Operations.CreateTask.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let caller = try await requireUser(.scope(.tasksWrite))
        // The raw header: the generated layer percent-decodes header values, which would make `a%41` and `aA` one key.
        let idempotencyKey = try Self.checkedIdempotencyKey(request.head.headerFields[HTTPField.Name("Idempotency-Key")!])
        // Only a keyed request is ever compared with another, so only a keyed one is hashed.
        let requestHash = try idempotencyKey.map { _ in try RequestFingerprint.of(body) }
        let task = try await tasks.create(
            NewTask(body), requestHash: requestHash, idempotencyKey: idempotencyKey, owner: caller.id,
            source: try changeSource(caller), logger: requestLogger)
        return .created(
            .init(headers: .init(location: "/api/v1/tasks/\(task.id.uuidString.lowercased())", eTag: ETag.of(task)), body: .json(.init(task))))
    }

    func getTask(_ input: Operations.GetTask.Input) async throws -> Operations.GetTask.Output {
        let caller = try await requireUser(.scope(.tasksRead))
        let task = try await tasks.get(try taskID(input.path.id), owner: caller.id, origin: try request.origin, logger: requestLogger)
        if ETag.matches(input.headers.ifNoneMatch, current: task) {
            return .notModified(.init(headers: .init(eTag: ETag.of(task))))
        }
        return .ok(.init(headers: .init(eTag: ETag.of(task)), body: .json(.init(task))))
    }

    func updateTask(_ input: Operations.UpdateTask.Input) async throws -> Operations.UpdateTask.Output {
        let caller = try await requireUser(.scope(.tasksWrite))
        let patch: Components.Schemas.TaskPatch
        switch input.body {
        case .json(let body), .applicationMergePatchJson(let body): patch = body
        }
        let task = try await tasks.patch(
            try taskID(input.path.id), owner: caller.id, changes: TaskChanges(patch, present: try presentKeys()),
            precondition: ETag.precondition(ifMatch: input.headers.ifMatch), source: try changeSource(caller), origin: try request.origin,
            logger: requestLogger)
        return .ok(.init(headers: .init(eTag: ETag.of(task)), body: .json(.init(task))))
    }

    func deleteTask(_ input: Operations.DeleteTask.Input) async throws -> Operations.DeleteTask.Output {
        let caller = try await requireUser(.scope(.tasksWrite))
        try await tasks.delete(
            try taskID(input.path.id), owner: caller.id, precondition: ETag.precondition(ifMatch: input.headers.ifMatch),
            source: try changeSource(caller), origin: try request.origin, logger: requestLogger)
        return .noContent(.init())
    }

    func listTasks(_ input: Operations.ListTasks.Input) async throws -> Operations.ListTasks.Output {
        let caller = try await requireUser(.scope(.tasksRead))
        let query = try TaskListQuery(input.query, owner: caller.id)
        let page = try await tasks.list(query, cursor: input.query.cursor, logger: requestLogger)
        return .ok(.init(body: .json(.init(page))))
    }

    /// A path id as a UUID, or a 400 problem.
    private func taskID(_ text: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw AppError(.badRequest, "The task id is not a UUID.") }
        return id
    }

    /// The `Idempotency-Key` header when it is 1 to 255 visible ASCII characters, else a 400 problem.
    private static func checkedIdempotencyKey(_ key: String?) throws -> String? {
        if let key, key.isEmpty || key.count > 255 || !key.unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value <= 0x7E }) {
            throw AppError(.badRequest, "Idempotency-Key must be 1 to 255 visible ASCII characters.")
        }
        return key
    }

    /// The keys of the raw JSON body: true when set to a value, false when set to `null`.
    func presentKeys() throws -> [String: Bool] {
        guard let buffer = try request.context.collectedBody,
            let object = try? JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any]
        else { return [:] }
        return object.mapValues { !($0 is NSNull) }
    }
}
