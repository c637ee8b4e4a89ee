import NIOCore

/// One RESP2 reply: what Redis (or Valkey) answers to a command.
public enum RESPValue: Sendable, Equatable {
    case simpleString(String)
    case error(String)
    case integer(Int64)
    /// A bulk string; nil is the null bulk string (`$-1`).
    case bulkString(ByteBuffer?)
    /// An array; nil is the null array (`*-1`), e.g. a blocking read that timed out.
    case array([RESPValue]?)

    /// The text of a simple or bulk string (nil for anything else, including null).
    public var string: String? {
        switch self {
        case .simpleString(let text): text
        case .bulkString(let buffer?): String(buffer: buffer)
        default: nil
        }
    }

    /// The value of an integer reply, or of a string reply holding a decimal integer.
    public var integer: Int64? {
        switch self {
        case .integer(let value): value
        case .simpleString, .bulkString: string.flatMap { Int64($0) }
        default: nil
        }
    }

    /// The elements of a non-null array reply.
    public var elements: [RESPValue]? {
        if case .array(let values?) = self { return values }
        return nil
    }

    /// Whether this is a null bulk string or a null array.
    public var isNull: Bool {
        switch self {
        case .bulkString(nil), .array(nil): true
        default: false
        }
    }
}
