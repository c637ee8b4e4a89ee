import Foundation
import OpenAPIRuntime

extension DocketClient {
    /// The caller's tasks matching the filters, fetched a page at a time as the sequence is iterated.
    ///
    /// - Parameters:
    ///   - search: case-insensitive text to find in the title or description.
    ///   - dueBefore, dueAfter: calendar dates, `YYYY-MM-DD`, inclusive.
    ///   - pageSize: tasks per request (1–100).
    public func tasks(
        status: [DocketTaskStatus] = [], priority: [DocketTaskPriority] = [], search: String? = nil,
        dueBefore: String? = nil, dueAfter: String? = nil, sort: DocketTaskSort = .createdAt, order: DocketSortOrder = .desc,
        pageSize: Int = 50
    ) -> DocketTaskSequence {
        let query = Operations.ListTasks.Input.Query(
            status: status.isEmpty ? nil : status, priority: priority.isEmpty ? nil : priority, dueBefore: dueBefore,
            dueAfter: dueAfter, q: search, sort: sort, order: order, limit: max(1, min(pageSize, 100)))
        return DocketTaskSequence(client: self, query: query)
    }

    /// One page of tasks: `query` with `cursor` (nil: the first page).
    func taskPage(_ query: Operations.ListTasks.Input.Query, cursor: String?) async throws -> Components.Schemas.TaskPage {
        var query = query
        query.cursor = cursor
        return try await Self.unwrapping { try await api.listTasks(query: query).ok.body.json }
    }

    /// The task with `id`.
    public func task(_ id: String) async throws -> DocketTask {
        try await Self.unwrapping { try await api.getTask(path: .init(id: id)).ok.body.json }
    }

    /// Creates a task. The request carries an `Idempotency-Key` (a new UUID unless given); if the connection breaks
    /// before the answer arrives, or the server answers that it cannot tell whether the task was stored (504
    /// `outcome-unknown`), it is sent again with the same key up to `createRetries` times (while the server
    /// may still be working on an earlier attempt, its 409 "in progress" is waited out too), so the server creates
    /// the task once however many times it was sent.
    public func createTask(_ task: NewDocketTask, idempotencyKey: String = UUID().uuidString) async throws -> DocketTask {
        var attempt = 0
        var resent = false
        while true {
            do {
                return try await Self.unwrapping {
                    try await api.createTask(headers: .init(idempotencyKey: idempotencyKey), body: .json(task)).created.body.json
                }
            } catch DocketClientError.transport(let underlying) {
                attempt += 1
                if attempt > createRetries { throw DocketClientError.transport(underlying: underlying) }
                resent = true
            } catch let problem as DocketProblem where problem.kind == .outcomeUnknown && attempt < createRetries {
                // The server could not tell whether it stored the task; the same key makes a resend safe.
                attempt += 1
                resent = true
            } catch let problem as DocketProblem where resent && problem.kind == .conflict && attempt <= createRetries + 5 {
                // The first attempt is still being processed under this key; its outcome will be replayed.
                attempt += 1
            }
            try await Task.sleep(for: .milliseconds(100 * attempt))
        }
    }

    /// Changes a task. With `ifMatch` (a task's `etag`), the change applies only if nobody changed the task since
    /// that version: otherwise a `DocketProblem` of kind `.preconditionFailed`.
    public func updateTask(_ id: String, _ changes: DocketTaskChanges, ifMatch: String? = nil) async throws -> DocketTask {
        let patch = try changes.mergePatch()
        return try await MergePatchMiddleware.$patch.withValue(patch) {
            try await Self.unwrapping {
                try await api.updateTask(
                    path: .init(id: id), headers: .init(ifMatch: ifMatch), body: .applicationMergePatchJson(.init())
                ).ok.body.json
            }
        }
    }

    /// Changes `task` only if it is still the version given (its `etag` is sent as `If-Match`).
    public func update(_ task: DocketTask, _ changes: DocketTaskChanges) async throws -> DocketTask {
        try await updateTask(task.id, changes, ifMatch: task.etag)
    }

    /// Deletes a task (optionally only if it is still at the version `ifMatch` names).
    public func deleteTask(_ id: String, ifMatch: String? = nil) async throws {
        _ = try await Self.unwrapping {
            try await api.deleteTask(path: .init(id: id), headers: .init(ifMatch: ifMatch)).noContent
        }
    }
}

/// The tasks of a listing as an `AsyncSequence`: each page is requested when the previous one is used up,
/// following the server's cursor (so nothing is skipped or repeated while others write).
public struct DocketTaskSequence: AsyncSequence, Sendable {
    public typealias Element = DocketTask

    let client: DocketClient
    let query: Operations.ListTasks.Input.Query

    public func makeAsyncIterator() -> Iterator {
        Iterator(client: client, query: query)
    }

    /// Walks the pages of one listing.
    public struct Iterator: AsyncIteratorProtocol {
        let client: DocketClient
        let query: Operations.ListTasks.Input.Query
        private var buffer: [DocketTask] = []
        private var position = 0
        private var cursor: String?
        private var finished = false

        init(client: DocketClient, query: Operations.ListTasks.Input.Query) {
            self.client = client
            self.query = query
        }

        public mutating func next() async throws -> DocketTask? {
            while position == buffer.count {
                if finished { return nil }
                let page = try await client.taskPage(query, cursor: cursor)
                buffer = page.items
                position = 0
                cursor = page.nextCursor
                finished = page.nextCursor == nil
            }
            defer { position += 1 }
            return buffer[position]
        }
    }
}
