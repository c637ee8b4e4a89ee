import HTTPTypes
import Hummingbird
import Logging

/// Per-request state: the request ID, where the request came from, and the request's logger.
public struct DocketRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The request's identifier (incoming `X-Request-ID` when well-formed, else generated).
    public var requestID: String
    /// The caller's remote address as seen on the socket.
    public var remoteAddress: String?
    /// Whether the client's request arrived over HTTPS (directly, or as a trusted proxy reports).
    public var isHTTPS = false
    /// The request body as collected (and size-checked) by `BodyLimitMiddleware`, for handlers that need the raw JSON.
    public var collectedBody: ByteBuffer?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.requestID = ""
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
    }
}
