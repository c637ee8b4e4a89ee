import DocketAPI
import Foundation
import HTTPTypes
import Hummingbird
@_spi(Generated) import OpenAPIRuntime

/// The two hot reads, `GET /api/v1/tasks` and `GET /api/v1/tasks/{id}`, registered on the router directly (the
/// generated registration skips them, see `HotRoutes`) so their bodies are written by `TaskJSON` instead of
/// Foundation's `JSONEncoder`. Everything else is what the generated layer does: the query as the contract validation
/// read it, the same `Accept` check (the OpenAPI runtime's, after the work, as generated serializers check it), the
/// same logic and the same errors, inside the same middleware.
extension APIHandler {
    /// `GET /api/v1/tasks` (listTasks).
    func listTasksResponse(_ request: Request) async throws -> Response {
        let parameters = try Self.listParameters(request)
        let caller = try await requireUser(.scope(.tasksRead))
        let query = try TaskListQuery(parameters, owner: caller.id)
        let page = try await tasks.list(query, cursor: parameters.cursor, logger: requestLogger)
        try Self.requireJSONAccepted(request)
        return TaskJSON.response(body: TaskJSON.page(page))
    }

    /// `GET /api/v1/tasks/{id}` (getTask): 304 when `If-None-Match` names the current version.
    func getTaskResponse(_ request: Request, id: String) async throws -> Response {
        let caller = try await requireUser(.scope(.tasksRead))
        guard let id = UUID(uuidString: id) else { throw AppError(.badRequest, "The task id is not a UUID.") }
        let task = try await tasks.get(id, owner: caller.id, origin: try self.request.origin, logger: requestLogger)
        let etag: HTTPFields = [.eTag: ETag.of(task)]
        if ETag.matches(request.headers[.ifNoneMatch], current: task) {
            return Response(status: .notModified, headers: etag)
        }
        try Self.requireJSONAccepted(request)
        return TaskJSON.response(body: TaskJSON.task(task), headers: etag)
    }

    private static let converter = Converter(configuration: Configuration(dateTranscoder: ISO8601Transcoder()))

    /// A 406 problem when the request's `Accept` rules out `application/json` (as the generated layer answers).
    private static func requireJSONAccepted(_ request: Request) throws {
        do {
            try converter.validateAcceptIfPresent("application/json", in: request.headers)
        } catch {
            throw AppError(.notAcceptable, "This resource is only available as application/json.")
        }
    }

    /// The listing's query parameters (form style, arrays exploded), read as `ContractValidationMiddleware` read them
    /// when it checked them against the contract (the OpenAPI runtime's generic URI decoder took 7% of a list request).
    private static func listParameters(_ request: Request) throws -> Operations.ListTasks.Input.Query {
        let form = FormQuery(request.uri.query ?? "")
        func text(_ name: String) -> String? { form.values(named: name).first }
        func invalid(_ name: String) -> AppError { AppError(.badRequest, "The query parameter \(name) has an invalid value.") }
        func list<Value: RawRepresentable<String>>(_ name: String, _ type: Value.Type) throws -> [Value]? {
            let values = form.values(named: name)
            guard !values.isEmpty else { return nil }
            return try values.map {
                guard let value = Value(rawValue: $0) else { throw invalid(name) }
                return value
            }
        }
        func value<Value: RawRepresentable<String>>(_ name: String, _ type: Value.Type) throws -> Value? {
            guard let raw = text(name) else { return nil }
            guard let value = Value(rawValue: raw) else { throw invalid(name) }
            return value
        }
        func integer(_ name: String) throws -> Int? {
            guard let raw = text(name) else { return nil }
            guard let number = Int(raw) else { throw invalid(name) }
            return number
        }
        func flag(_ name: String) throws -> Bool? {
            guard let raw = text(name) else { return nil }
            guard raw == "true" || raw == "false" else { throw invalid(name) }
            return raw == "true"
        }
        return .init(
            status: try list("status", Components.Schemas.TaskStatus.self), priority: try list("priority", Components.Schemas.TaskPriority.self),
            dueBefore: text("due_before"), dueAfter: text("due_after"), q: text("q"),
            sort: try value("sort", Operations.ListTasks.Input.Query.SortPayload.self),
            order: try value("order", Operations.ListTasks.Input.Query.OrderPayload.self), limit: try integer("limit"), cursor: text("cursor"),
            offset: try integer("offset"), includeTotal: try flag("include_total"))
    }
}
