import NIOCore

/// One command as Redis receives it: an array of bulk strings (`XADD stream * field value`).
public struct RedisCommand: Sendable, Equatable, CustomStringConvertible {
    /// The command and its arguments, in order.
    public let arguments: [String]

    public init(_ name: String, _ arguments: [String] = []) {
        self.arguments = [name] + arguments
    }

    /// Appends the command to `buffer` in the wire format.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeString("*\(arguments.count)\r\n")
        for argument in arguments {
            buffer.writeString("$\(argument.utf8.count)\r\n")
            buffer.writeString(argument)
            buffer.writeString("\r\n")
        }
    }

    /// The command's name only: arguments may hold secrets (AUTH) or personal data (message bodies).
    public var description: String { arguments.first ?? "" }
}
