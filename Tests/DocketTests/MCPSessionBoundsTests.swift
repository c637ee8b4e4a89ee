import Foundation
import HTTPTypes
import HummingbirdTesting
import MCP
import Testing

@testable import Docket

/// What one MCP session may hold: a bounded set of recent events for resumption, and a few progress-following calls.
@Suite("MCP sessions are bounded")
struct MCPSessionBoundsTests {
    @Test("the replay buffer keeps only the newest events, by count and by bytes, and replays one stream after an event")
    func replayBuffer() {
        var buffer = MCPReplayBuffer(maxEvents: 4, maxBytes: 100)
        let first = buffer.append(streamID: "1", message: nil)
        _ = buffer.append(streamID: "1", message: Data("a".utf8))
        _ = buffer.append(streamID: "2", message: Data("b".utf8))
        _ = buffer.append(streamID: "1", message: Data("c".utf8))
        let replayed = buffer.replay(after: first)
        #expect(replayed?.streamID == "1" && replayed?.events.map { String(decoding: $0.message, as: UTF8.self) } == ["a", "c"])
        _ = buffer.append(streamID: "1", message: Data("d".utf8))
        #expect(buffer.count == 4 && buffer.replay(after: first) == nil, "the oldest event went first")
        _ = buffer.append(streamID: "3", message: Data(repeating: 0x41, count: 98))
        #expect(buffer.heldBytes <= 100 && buffer.count < 4, "bytes bound the buffer too")
        for index in 0..<10_000 { _ = buffer.append(streamID: "\(index)", message: Data(repeating: 0x42, count: 60)) }
        #expect(buffer.count == 1 && buffer.heldBytes == 60, "one event larger than half the bound is kept alone")
        let huge = buffer.append(streamID: "x", message: Data(repeating: 0x43, count: 1000))
        #expect(buffer.count == 1 && buffer.replay(after: huge)?.events.isEmpty == true, "the newest event is always held")
    }

    @Test("a session lets go of old answers (the abuse check measures its memory) and still resumes its latest stream")
    func sessionMemory() async throws {
        try await TestApp.make(.sqlite).run { client, _ in
            let owner = try await client.register()
            var mcp = MCPTestClient(client, token: owner.accessToken)
            try await mcp.initialize()
            var lastBody = ""
            for _ in 0..<40 {  // two events each: more than the buffer's 32
                let response = try await client.executeRequest(
                    uri: "/mcp", method: .post, headers: mcp.headers, body: .init(string: #"{"jsonrpc":"2.0","id":7,"method":"tools/list"}"#))
                lastBody = String(buffer: response.body)
            }
            let primed = try #require(lastBody.split(separator: "\n").first { $0.hasPrefix("id: ") }.map { String($0.dropFirst(4)) })
            var resume = mcp.headers
            resume[HTTPField.Name("Last-Event-ID")!] = primed
            let resumed = try await client.executeRequest(uri: "/mcp", method: .get, headers: resume, body: nil)
            #expect(resumed.status == .ok && String(buffer: resumed.body).contains(#""tools""#), "the latest answer is replayed")
            resume[HTTPField.Name("Last-Event-ID")!] = "0_1"
            let forgotten = try await client.executeRequest(uri: "/mcp", method: .get, headers: resume, body: nil)
            #expect(forgotten.status == .badRequest, "the initialize stream's events were let go")
        }
    }

    @Test("progress-following calls are capped per session and per account, and end with their session")
    func followSlots() async throws {
        let sessions = MCPSessions(idleSeconds: 600, maxSessions: 100)
        let (alice, bob) = (UUID(), UUID())
        for index in 0..<5 { await sessions.add(Self.session("a\(index)", user: alice)) }
        await sessions.add(Self.session("b", user: bob))
        var granted = 0
        for _ in 0..<6 where await sessions.beginFollow("a0") { granted += 1 }
        #expect(granted == MCPSessions.maxFollowsPerSession)
        for index in 1..<5 { for _ in 0..<4 where await sessions.beginFollow("a\(index)") { granted += 1 } }
        #expect(granted == MCPSessions.maxFollowsPerUser, "the account's slots run out across its sessions")
        #expect(await sessions.beginFollow("b"), "another account is not affected")
        await sessions.endFollow("a0")
        #expect(await sessions.beginFollow("a4"), "a slot given back can be taken again")
        await sessions.close("a0")
        let stillOpen = await sessions.isOpen("a0")
        let followAfterClose = await sessions.beginFollow("a0")
        #expect(!stillOpen && !followAfterClose)
    }

    private static func session(_ id: String, user: UUID) -> MCPSession {
        MCPSession(
            id: id, server: Server(name: "t", version: "1"), transport: nil, userID: user, credentialKey: "k", lastUsed: Date(), watch: .never)
    }

    @Test("an MCP session and its stream close when the credential that opened it ends", arguments: TestBackend.all)
    func closedWithItsCredential(backend: TestBackend) async throws {
        try await TestApp.make(backend) { $0.auth.cacheTTL = 1 }.run { client, _ in
            let owner = try await client.register()
            var mcp = MCPTestClient(client, token: owner.accessToken)
            try await mcp.initialize()
            let headers = mcp.headers
            let stream = Task { try await client.executeRequest(uri: "/mcp", method: .get, headers: headers, body: nil) }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await client.send(.post, "/api/v1/auth/logout", json: ["refresh_token": owner.refreshToken]).status == .noContent)
            let ended = try await StreamDeadline.ended(stream, within: .seconds(10))
            #expect(ended.status == .ok)

            let other = try #require(try await client.login(email: owner.user.email).decode(TokenPairBody.self))
            let token = try await client.createAccessToken(["tasks:read"], as: other)
            var agent = MCPTestClient(client, token: token.token!)
            try await agent.initialize()
            let agentHeaders = agent.headers
            let agentStream = Task { try await client.executeRequest(uri: "/mcp", method: .get, headers: agentHeaders, body: nil) }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await client.send(.delete, "/api/v1/tokens/\(token.id)", headers: other.bearer).status == .noContent)
            #expect(try await StreamDeadline.ended(agentStream, within: .seconds(10)).status == .ok)
        }
    }
}
