import DocketRedis
import Foundation
import Logging
import Testing

@Suite("The RESP client against a real redis-server")
struct RedisClientTests {
    @Test("commands from many tasks share one pipelined connection and each gets its own reply")
    func pipelining() async throws {
        let client = try TestRedis.client()
        let stream = TestRedis.uniqueStream()
        let ids = try await withThrowingTaskGroup(of: [String].self) { group in
            for index in 0..<200 {
                group.addTask { try await client.append([[("n", String(index))]], to: stream, maxLength: nil) }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(Set(ids).count == 200)
        #expect(try await client.length(of: stream) == 200)
        let entries = try await client.range(of: stream, count: 500)
        #expect(Set(entries.compactMap { $0.fields["n"] }) == Set((0..<200).map(String.init)))
        // One batch of many commands in one write.
        let replies = try await client.pipeline((0..<50).map { _ in RedisCommand("PING") })
        #expect(replies == Array(repeating: .simpleString("PONG"), count: 50))
        await client.close()
    }

    @Test("a consumer group: read, pending with delivery counts, claim after idling, acknowledge, lag")
    func consumerGroups() async throws {
        let client = try TestRedis.client()
        let stream = TestRedis.uniqueStream()
        _ = try await client.append((1...3).map { [("n", String($0))] }, to: stream, maxLength: 1000)
        try await client.createGroup("g", on: stream)
        try await client.createGroup("g", on: stream)  // An existing group is fine.
        let first = try await client.readGroup("g", consumer: "a", from: stream, count: 2, block: .milliseconds(100))
        #expect(first.map { $0.fields["n"] } == ["1", "2"])
        #expect(try await client.groups(of: stream).first?.pending == 2)
        #expect(try await client.groups(of: stream).first?.lag == 1)
        try await Task.sleep(for: .milliseconds(30))
        let claimed = try await client.autoClaim(group: "g", consumer: "b", on: stream, minIdle: .milliseconds(20), count: 10)
        #expect(claimed.entries.map(\.id) == first.map(\.id))
        let pending = try await client.pending(group: "g", on: stream, count: 10)
        #expect(pending.map(\.deliveries) == [2, 2])
        #expect(pending.allSatisfy { $0.consumer == "b" })
        #expect(try await client.acknowledge(first.map(\.id), group: "g", on: stream) == 2)
        #expect(try await client.pending(group: "g", on: stream, count: 10).isEmpty)
        // A blocking read with nothing new times out empty.
        _ = try await client.readGroup("g", consumer: "a", from: stream, count: 10, block: nil)
        #expect(try await client.readGroup("g", consumer: "a", from: stream, count: 10, block: .milliseconds(50)).isEmpty)
        await client.close()
    }

    @Test("a dropped connection is replaced on the next command; a wrong password and a dead port fail clearly")
    func reconnectAndErrors() async throws {
        let client = try TestRedis.client()
        let killer = try TestRedis.client()
        guard let id = try await client.send(RedisCommand("CLIENT", ["ID"])).integer else { throw RedisError.unexpectedReply("CLIENT ID") }
        try await killer.send(RedisCommand("CLIENT", ["KILL", "ID", String(id)]))
        // The kill may race the next command: at most one command sees the lost connection, then a new one serves.
        var reply: RESPValue?
        for _ in 0..<3 where reply == nil { reply = try? await client.send(RedisCommand("PING")) }
        #expect(reply == .simpleString("PONG"))
        let newID = try await client.send(RedisCommand("CLIENT", ["ID"])).integer
        #expect(newID != id)
        await client.close()
        await #expect(throws: RedisError.closed) { try await client.send(RedisCommand("PING")) }
        await killer.close()

        var wrong = try TestRedis.endpoint()
        wrong.password = "not-the-password"
        let refused = try RedisClient(endpoint: wrong, logger: Logger(label: "test"))
        await #expect(throws: RedisError.self) { try await refused.send(RedisCommand("PING")) }
        await refused.close()

        let dead = try RedisClient(
            endpoint: RedisEndpoint(host: "127.0.0.1", port: 1), backoff: ReconnectBackoff(base: .milliseconds(10), cap: .milliseconds(20)),
            logger: Logger(label: "test"))
        for _ in 0..<2 {
            await #expect {
                try await dead.send(RedisCommand("PING"))
            } throws: { error in
                if case .connectionLost = error as? RedisError { return true }
                return false
            }
        }
        await dead.close()
    }

    @Test("a server that stops answering times the command out and the next command reconnects")
    func timeout() async throws {
        let instance = try RedisInstance()
        let client = try RedisClient(endpoint: instance.endpoint, commandTimeout: .seconds(1), logger: Logger(label: "test"))
        // Connected first (on a loaded machine the first connection may itself miss a short deadline: try again).
        #expect(try await eventually(timeout: .seconds(20)) { (try? await client.send(RedisCommand("PING"))) == .simpleString("PONG") })
        // CLIENT PAUSE holds every client's commands for longer than the deadline (and answers at once itself).
        let other = try RedisClient(endpoint: instance.endpoint, commandTimeout: .seconds(10), logger: Logger(label: "test"))
        #expect(try await other.send(RedisCommand("CLIENT", ["PAUSE", "4000", "ALL"])) == .simpleString("OK"))
        await #expect(throws: RedisError.timedOut) { try await client.send(RedisCommand("PING")) }
        // Once the pause is over, a later command reconnects and gets its answer.
        try await Task.sleep(for: .seconds(3))
        #expect(try await eventually(timeout: .seconds(20)) { (try? await client.send(RedisCommand("PING"))) == .simpleString("PONG") })
        await client.close()
        await other.close()
    }
}
