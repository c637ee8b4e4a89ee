/// Why a command did not get a usable answer.
public enum RedisError: Error, Equatable, CustomStringConvertible {
    /// The server answered with an error reply (`-ERR …`, `-NOGROUP …`, `-WRONGPASS …`).
    case server(String)
    /// No connection could be made, or the connection was lost before the reply arrived (the command may or may not
    /// have run).
    case connectionLost(String)
    /// No reply within the command's deadline; the connection was closed, since its replies can no longer be matched.
    case timedOut
    /// The reply broke the protocol or its limits.
    case protocolViolation(String)
    /// The reply was valid RESP but not the shape the command returns.
    case unexpectedReply(String)
    /// The client was shut down.
    case closed

    public var description: String {
        switch self {
        case .server(let message): "redis: \(message)"
        case .connectionLost(let reason): "redis connection lost: \(reason)"
        case .timedOut: "redis command timed out"
        case .protocolViolation(let reason): "redis protocol violation: \(reason)"
        case .unexpectedReply(let reason): "unexpected redis reply: \(reason)"
        case .closed: "redis client closed"
        }
    }
}
