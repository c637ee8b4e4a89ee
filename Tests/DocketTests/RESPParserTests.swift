import DocketRedis
import NIOCore
import Testing

@Suite("RESP replies are parsed strictly and within limits")
struct RESPParserTests {
    private func parse(_ text: String, limits: RESPLimits = RESPLimits()) throws -> (RESPValue?, Int) {
        var buffer = ByteBuffer(string: text)
        let value = try RESPParser(limits: limits).next(from: &buffer)
        return (value, buffer.readableBytes)
    }

    @Test("every reply type, nulls, nesting, and several replies in one buffer")
    func types() throws {
        #expect(try parse("+OK\r\n").0 == .simpleString("OK"))
        #expect(try parse("-ERR wrong\r\n").0 == .error("ERR wrong"))
        #expect(try parse(":-42\r\n").0 == .integer(-42))
        #expect(try parse(":9223372036854775807\r\n").0 == .integer(Int64.max))
        #expect(try parse(":-9223372036854775808\r\n").0 == .integer(Int64.min))
        #expect(try parse("$5\r\nhe\r\no\r\n").0 == .bulkString(ByteBuffer(string: "he\r\no")))
        #expect(try parse("$0\r\n\r\n").0 == .bulkString(ByteBuffer()))
        #expect(try parse("$-1\r\n").0 == .bulkString(nil))
        #expect(try parse("*-1\r\n").0 == .array(nil))
        #expect(try parse("*2\r\n*1\r\n:1\r\n$1\r\nx\r\n").0 == .array([.array([.integer(1)]), .bulkString(ByteBuffer(string: "x"))]))
        var buffer = ByteBuffer(string: "+A\r\n:2\r\n$1\r\nz\r\n")
        let parser = RESPParser()
        #expect(try parser.next(from: &buffer) == .simpleString("A"))
        #expect(try parser.next(from: &buffer) == .integer(2))
        #expect(try parser.next(from: &buffer)?.string == "z")
        #expect(try parser.next(from: &buffer) == nil)
    }

    @Test("an incomplete reply consumes nothing, at every cut point")
    func incomplete() throws {
        let whole = "*3\r\n$3\r\nabc\r\n:7\r\n*1\r\n+ok\r\n"
        for cut in 0..<whole.utf8.count {
            let (value, left) = try parse(String(whole.utf8.prefix(cut))!)
            #expect(value == nil)
            #expect(left == cut)
        }
        #expect(try parse(whole).1 == 0)
    }

    @Test(
        "malformed replies are protocol errors",
        arguments: [
            "?x\r\n", "+OK\n", "+O\nK\r\n", ":12a\r\n", ":\r\n", ":+5\r\n", ":99999999999999999999\r\n", ":9223372036854775808\r\n",
            "$3\r\nabcd\r\n", "$-2\r\n", "*-5\r\n", "$abc\r\n",
        ])
    func malformed(reply: String) {
        #expect(throws: RESPProtocolError.self) { try parse(reply) }
    }

    @Test("sizes past the limits are refused before anything is allocated")
    func limits() {
        let small = RESPLimits(maxBulkBytes: 8, maxArrayCount: 2, maxDepth: 2, maxLineBytes: 10)
        #expect(throws: RESPProtocolError.self) { try parse("$9\r\n", limits: small) }
        #expect(throws: RESPProtocolError.self) { try parse("*3\r\n", limits: small) }
        #expect(throws: RESPProtocolError.self) { try parse("*1\r\n*1\r\n*1\r\n:1\r\n", limits: small) }
        #expect(throws: RESPProtocolError.self) { try parse("+" + String(repeating: "a", count: 11) + "\r\n", limits: small) }
        // A line that is too long is refused even before its end arrives.
        #expect(throws: RESPProtocolError.self) { try parse("+" + String(repeating: "a", count: 40), limits: small) }
        #expect((try? parse("$8\r\n12345678\r\n", limits: small).0) == .bulkString(ByteBuffer(string: "12345678")))
    }

    @Test("a whole reply is bounded too, complete or still arriving, however its parts are sized")
    func replySize() {
        let bounded = RESPLimits(maxBulkBytes: 8, maxArrayCount: 100, maxDepth: 4, maxLineBytes: 10, maxReplyBytes: 64)
        let element = "$8\r\n12345678\r\n"  // 14 bytes, each within the string limit
        let complete = "*5\r\n" + String(repeating: element, count: 5)  // 74 bytes
        #expect(throws: RESPProtocolError.self) { try parse(complete, limits: bounded) }
        let arriving = "*50\r\n" + String(repeating: element, count: 5)  // incomplete, already past 64 bytes
        #expect(throws: RESPProtocolError.self) { try parse(arriving, limits: bounded) }
        let fits = "*4\r\n" + String(repeating: element, count: 4)  // 60 bytes
        #expect((try? parse(fits, limits: bounded).1) == 0)
    }

    @Test("endpoints parse from redis:// and rediss:// URLs and never print their password")
    func endpoints() {
        let plain = RedisEndpoint(url: "redis://127.0.0.1:6380/2")
        #expect(plain == RedisEndpoint(host: "127.0.0.1", port: 6380, database: 2))
        let secure = RedisEndpoint(url: "rediss://app:s3cret@cache.example:6390")
        #expect(secure?.tls == true && secure?.username == "app" && secure?.password == "s3cret")
        #expect(secure?.redacted.contains("s3cret") == false)
        #expect(RedisEndpoint(url: "redis://:pw@localhost")?.password == "pw")
        #expect(RedisEndpoint(url: "redis://:pw@localhost")?.username == nil)
        #expect(RedisEndpoint(url: "http://localhost") == nil)
        #expect(RedisEndpoint(url: "redis://localhost/notanumber") == nil)
    }
}
