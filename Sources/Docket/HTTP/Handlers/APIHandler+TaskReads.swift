import DocketAPI
import Foundation
import HTTPTypes
import Hummingbird
@_spi(Generated) import OpenAPIRuntime

/// The two hot reads, `GET /api/v1/tasks` and `GET /api/v1/tasks/{id}`, registered on the router directly (the
/// generated registration skips them, see `HotRoutes`) so their bodies are written by `TaskJSON` instead of
/// Foundation's `JSONEncoder`. Everything else is what the generated layer does: its own query decoder (the OpenAPI
/// runtime's converter), the same `Accept` check (after the work, as generated serializers check it), the same logic and the same errors,
/// inside the same middleware.
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

    /// The listing's query parameters, decoded exactly as the generated server decodes them (form style, exploded).
    private static func listParameters(_ request: Request) throws -> Operations.ListTasks.Input.Query {
        let query = HTTPRequest(method: .get, scheme: nil, authority: nil, path: request.uri.string).soar_query
        func item<T: Decodable>(_ name: String, _ type: T.Type) throws -> T? {
            do {
                return try converter.getOptionalQueryItemAsURI(in: query, style: .form, explode: true, name: name, as: type)
            } catch {
                throw AppError(.badRequest, "The query parameter \(name) has an invalid value.")
            }
        }
        return .init(
            status: try item("status", [Components.Schemas.TaskStatus].self),
            priority: try item("priority", [Components.Schemas.TaskPriority].self),
            dueBefore: try item("due_before", String.self), dueAfter: try item("due_after", String.self), q: try item("q", String.self),
            sort: try item("sort", Operations.ListTasks.Input.Query.SortPayload.self),
            order: try item("order", Operations.ListTasks.Input.Query.OrderPayload.self),
            limit: try item("limit", Components.Parameters.Limit.self), cursor: try item("cursor", String.self),
            offset: try item("offset", Int.self), includeTotal: try item("include_total", Bool.self))
    }
}
