import Foundation
import HTTPTypes
import OpenAPIRuntime

#if canImport(Darwin)
    import OpenAPIURLSession
#else
    import OpenAPIAsyncHTTPClient
#endif

/// Sends the exact JSON merge patch of a task update. The generated `TaskPatch` omits absent fields but cannot
/// carry the `null` that clears a description or due date, so `DocketClient.update` builds the patch itself and
/// hands it to this middleware through a task-local value.
struct MergePatchMiddleware: ClientMiddleware {
    /// The merge patch the current task's `updateTask` call sends instead of the generated body.
    @TaskLocal static var patch: Data?

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard operationID == Operations.UpdateTask.id, let patch = Self.patch else {
            return try await next(request, body, baseURL)
        }
        return try await next(request, HTTPBody(patch), baseURL)
    }
}
