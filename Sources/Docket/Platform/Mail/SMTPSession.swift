import NIOCore

/// One SMTP conversation on an open connection: sends command lines and reads (possibly multi-line) replies.
struct SMTPSession {
    var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var pending: [UInt8] = []
    /// The longest reply line accepted (RFC 5321 allows 512 octets; some servers send a little more).
    static let maxLine = 4096

    init(inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.inbound = inbound
        self.outbound = outbound
    }

    /// Sends `line` and returns the reply's text lines when its code is one of `codes`.
    mutating func command(_ line: String, expect codes: Int..., redacted: String? = nil) async throws -> [String] {
        try await write(line + "\r\n")
        return try await expect(codes, after: redacted ?? line)
    }

    /// Reads one reply and checks its code.
    @discardableResult
    mutating func expect(_ codes: Int...) async throws -> [String] {
        try await expect(codes, after: "connect")
    }

    mutating func write(_ text: String) async throws {
        try await outbound.write(ByteBuffer(string: text))
    }

    private mutating func expect(_ codes: [Int], after command: String) async throws -> [String] {
        var lines: [String] = []
        while true {
            let line = try await readLine()
            let bytes = Array(line.utf8)
            guard bytes.count >= 3, let code = Int(String(decoding: bytes[0..<3], as: UTF8.self)) else {
                throw SMTPError("unreadable reply to \(command.split(separator: " ").first ?? "")")
            }
            lines.append(String(decoding: bytes.dropFirst(4), as: UTF8.self))
            if bytes.count == 3 || bytes[3] == UInt8(ascii: " ") {
                guard codes.contains(code) else {
                    throw SMTPError("\(command.split(separator: " ").first ?? "") got \(code) \(lines.last ?? "")")
                }
                return lines
            }
        }
    }

    private mutating func readLine() async throws -> String {
        while true {
            if let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(pending[..<end])
                pending.removeSubrange(...end)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard pending.count < Self.maxLine else { throw SMTPError("reply line too long") }
            guard var buffer = try await inbound.next() else { throw SMTPError("the server closed the connection") }
            pending += buffer.readBytes(length: buffer.readableBytes) ?? []
        }
    }
}
