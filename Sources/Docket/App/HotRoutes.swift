import HTTPTypes
import Hummingbird
import OpenAPIRuntime

/// The operations served by hand-written routes (`APIHandler+TaskReads`, `APIHandler+ExportDownload`): the generated registration skips them, since
/// Hummingbird refuses a route registered twice, and `openapi.yaml` still describes them like every other operation.
enum HotRoutes {
    static let listTasks = (method: HTTPRequest.Method.get, path: "/api/v1/tasks")
    static let getTask = (method: HTTPRequest.Method.get, path: "/api/v1/tasks/{id}")
    static let downloadExport = (method: HTTPRequest.Method.get, path: "/api/v1/exports/{id}")

    /// Registers the hand-written routes on `router`.
    static func register(on router: Router<DocketRequestContext>, api: APIHandler) {
        router.on(RouterPath(listTasks.path), method: listTasks.method) { request, _ in try await api.listTasksResponse(request) }
        router.on(RouterPath(getTask.path), method: getTask.method) { request, context in
            try await api.getTaskResponse(request, id: context.parameters.require("id"))
        }
        router.on(RouterPath(downloadExport.path), method: downloadExport.method) { request, context in
            try await api.downloadExportResponse(request, id: context.parameters.require("id"))
        }
    }

    /// Whether the generated registration should leave `method path` to `register(on:api:)`.
    static func isHandWritten(_ method: HTTPRequest.Method, _ path: String) -> Bool {
        [listTasks, getTask, downloadExport].contains { $0.method == method && $0.path == path }
    }
}

/// Passes every generated route to the router except the hand-written ones.
struct GeneratedRoutes: ServerTransport {
    let router: Router<DocketRequestContext>

    func register(
        _ handler: @escaping @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?),
        method: HTTPRequest.Method,
        path: String
    ) throws {
        guard !HotRoutes.isHandWritten(method, path) else { return }
        try router.register(handler, method: method, path: path)
    }
}
