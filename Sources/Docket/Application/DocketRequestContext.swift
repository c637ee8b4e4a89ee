import Hummingbird
import Logging

/// Per-request state: the request ID, the caller's identity once authenticated, and the request's logger.
public struct DocketRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The request's identifier (incoming `X-Request-ID` when well-formed, else generated).
    public var requestID: String
    /// The caller's remote address as seen on the socket.
    public var remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.requestID = ""
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
    }
}

/// Gives generated OpenAPI handlers, which never receive the Hummingbird context, access to it.
enum RequestScope {
    @TaskLocal static var context: DocketRequestContext?
}
