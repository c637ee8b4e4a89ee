/// The task-local through which `RequestScopeMiddleware` publishes the current request.
enum RequestScope {
    @TaskLocal static var current: ScopedRequest?
}
