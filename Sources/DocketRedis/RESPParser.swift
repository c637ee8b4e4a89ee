import NIOCore

/// Parses RESP2 replies strictly: every line ends in CRLF, integers are plain decimals without overflow, lengths and
/// nesting stay within `limits`, and anything else is a `RESPProtocolError`.
public struct RESPParser: Sendable {
    public let limits: RESPLimits

    public init(limits: RESPLimits = RESPLimits()) {
        self.limits = limits
    }

    /// The next complete reply in `buffer`, consuming it; nil (consuming nothing) while the reply is incomplete. A
    /// reply that is, or would become, larger than `limits.maxReplyBytes` is refused.
    public func next(from buffer: inout ByteBuffer) throws(RESPProtocolError) -> RESPValue? {
        var cursor = buffer.readerIndex
        guard let value = try parse(buffer, at: &cursor, depth: 0) else {
            guard buffer.readableBytes <= limits.maxReplyBytes else {
                throw RESPProtocolError("a reply of more than \(limits.maxReplyBytes) bytes")
            }
            return nil
        }
        guard cursor - buffer.readerIndex <= limits.maxReplyBytes else {
            throw RESPProtocolError("a reply of \(cursor - buffer.readerIndex) bytes exceeds \(limits.maxReplyBytes)")
        }
        buffer.moveReaderIndex(to: cursor)
        return value
    }

    private func parse(_ buffer: ByteBuffer, at cursor: inout Int, depth: Int) throws(RESPProtocolError) -> RESPValue? {
        guard let type = buffer.getInteger(at: cursor, as: UInt8.self) else { return nil }
        var position = cursor + 1
        guard let line = try readLine(buffer, at: &position) else { return nil }
        let value: RESPValue
        switch type {
        case UInt8(ascii: "+"):
            value = .simpleString(try text(line))
        case UInt8(ascii: "-"):
            value = .error(try text(line))
        case UInt8(ascii: ":"):
            value = .integer(try integer(line))
        case UInt8(ascii: "$"):
            let length = try integer(line)
            if length == -1 {
                value = .bulkString(nil)
            } else {
                guard length >= 0 else { throw RESPProtocolError("negative bulk length \(length)") }
                guard length <= limits.maxBulkBytes else { throw RESPProtocolError("bulk string of \(length) bytes exceeds \(limits.maxBulkBytes)") }
                let size = Int(length)
                guard buffer.writerIndex - position >= size + 2 else { return nil }
                guard buffer.getInteger(at: position + size, as: UInt8.self) == 13, buffer.getInteger(at: position + size + 1, as: UInt8.self) == 10
                else { throw RESPProtocolError("bulk string not terminated by CRLF") }
                value = .bulkString(buffer.getSlice(at: position, length: size))
                position += size + 2
            }
        case UInt8(ascii: "*"):
            let count = try integer(line)
            if count == -1 {
                value = .array(nil)
            } else {
                guard count >= 0 else { throw RESPProtocolError("negative array length \(count)") }
                guard count <= limits.maxArrayCount else { throw RESPProtocolError("array of \(count) elements exceeds \(limits.maxArrayCount)") }
                guard depth < limits.maxDepth else { throw RESPProtocolError("arrays nested deeper than \(limits.maxDepth)") }
                var elements: [RESPValue] = []
                elements.reserveCapacity(Int(min(count, 1024)))
                for _ in 0..<count {
                    guard let element = try parse(buffer, at: &position, depth: depth + 1) else { return nil }
                    elements.append(element)
                }
                value = .array(elements)
            }
        default:
            throw RESPProtocolError("unknown type byte \(type)")
        }
        cursor = position
        return value
    }

    /// The bytes up to the next CRLF (advancing past it); nil if no CRLF has arrived yet.
    private func readLine(_ buffer: ByteBuffer, at position: inout Int) throws(RESPProtocolError) -> ByteBufferView? {
        let view = buffer.readableBytesView
        let start = position - buffer.readerIndex + view.startIndex
        let searchEnd = min(view.endIndex, start + limits.maxLineBytes + 1)
        guard start <= searchEnd else { return nil }
        guard let end = view[start..<searchEnd].firstIndex(where: { $0 == 13 || $0 == 10 }) else {
            if searchEnd - start > limits.maxLineBytes { throw RESPProtocolError("line longer than \(limits.maxLineBytes) bytes") }
            return nil
        }
        guard view[end] == 13 else { throw RESPProtocolError("line feed without carriage return") }
        guard end + 1 < view.endIndex else { return nil }
        guard view[end + 1] == 10 else { throw RESPProtocolError("carriage return without line feed") }
        position += end + 2 - start
        return view[start..<end]
    }

    private func text(_ line: ByteBufferView) throws(RESPProtocolError) -> String {
        guard let text = String(validating: line, as: UTF8.self) else { throw RESPProtocolError("line is not UTF-8") }
        return text
    }

    private func integer(_ line: ByteBufferView) throws(RESPProtocolError) -> Int64 {
        var digits = line[...]
        let negative = digits.first == UInt8(ascii: "-")
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.count <= 19, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw RESPProtocolError("not a decimal integer")
        }
        var magnitude: UInt64 = 0
        for digit in digits { magnitude = magnitude * 10 + UInt64(digit - 48) }
        guard magnitude <= UInt64(Int64.max) + (negative ? 1 : 0) else { throw RESPProtocolError("integer out of range") }
        return negative ? (magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)) : Int64(magnitude)
    }
}
