import HTTPTypes

/// What generated OpenAPI handlers (which never receive the Hummingbird context) may know about the current request.
struct ScopedRequest: Sendable {
    let context: DocketRequestContext
    let head: HTTPRequest

    /// Where the request came from, for audit rows and rate limits.
    var origin: RequestOrigin {
        RequestOrigin(ip: context.remoteAddress, userAgent: head.headerFields[.userAgent], requestID: context.requestID)
    }
}
