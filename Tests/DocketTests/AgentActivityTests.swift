import Foundation
import HTTPTypes
import HummingbirdTesting
import MCP
import Testing

@testable import Docket

/// The client's picture of one agent-activity entry.
struct ToolCallBody: Decodable {
    let id: String
    let userID: String
    let tokenID: String?
    let clientName: String?
    let tool: String
    let arguments: String
    let outcome: String
    let errorType: String?

    enum CodingKeys: String, CodingKey {
        case id, tool, arguments, outcome
        case userID = "user_id"
        case tokenID = "token_id"
        case clientName = "client_name"
        case errorType = "error_type"
    }
}

/// A page of agent activity.
struct ToolCallPageBody: Decodable {
    let items: [ToolCallBody]
    let nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case items
        case nextCursor = "next_cursor"
    }
}

@Suite("Agent activity: every tool call, per user, filterable")
struct AgentActivityTests {
    /// Records a tool call the way the MCP server does after each call.
    static func record(
        _ database: DocketDatabase, user: String, token: String? = nil, tool: String, arguments: [String: Value], failed: Bool = false
    ) async {
        let credential: AuthenticatedUser.Credential =
            token.map { .personalAccessToken(id: UUID(uuidString: $0)!, scopes: [.tasksRead]) } ?? .session(id: UUID())
        let outcome =
            failed
            ? TaskTools.failure(AppError.notFound("No such task."), status: "tool_error")
            : TaskTools.Outcome(result: CallTool.Result(content: [.text("ok")]), status: "ok", errorType: nil, jobID: nil)
        await ToolCallRecorder(database: database, metrics: DocketMetrics()).record(
            ToolCall(
                userID: UUID(uuidString: user)!, credential: credential, clientName: "test-agent", clientVersion: "1.0", sessionID: "s1",
                tool: tool, arguments: arguments, outcome: outcome, duration: .milliseconds(3), requestID: "r1"),
            logger: database.logger)
    }

    @Test("users see their own calls newest first, filter and page them; admins may see everyone's", arguments: TestBackend.all)
    func listing(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, database in
            let alice = try await client.register()
            let bob = try await client.register()
            let token = try await client.createAccessToken(["agent:activity:read"], as: alice)
            await Self.record(database, user: alice.user.id, token: token.id, tool: "create_task", arguments: ["title": "a", "api_key": "s3cret"])
            await Self.record(database, user: alice.user.id, token: token.id, tool: "get_task", arguments: ["id": "x"], failed: true)
            await Self.record(database, user: alice.user.id, tool: "list_tasks", arguments: ["q": .string(String(repeating: "y", count: 300))])
            await Self.record(database, user: bob.user.id, tool: "list_tasks", arguments: [:])

            let mine = try await client.send(.get, "/api/v1/agent-activity", headers: token.bearer).decode(ToolCallPageBody.self)
            #expect(mine.items.map(\.tool) == ["list_tasks", "get_task", "create_task"])
            #expect(mine.items.allSatisfy { $0.userID == alice.user.id && $0.clientName == "test-agent" })
            let created = try #require(mine.items.last)
            #expect(created.tokenID == token.id && !created.arguments.contains("s3cret") && created.arguments.contains("[redacted]"))
            #expect(mine.items[0].arguments.count < 200, "long values are cut")
            let failed = try await client.send(.get, "/api/v1/agent-activity?outcome=tool_error", headers: alice.bearer)
                .decode(ToolCallPageBody.self)
            #expect(failed.items.map(\.tool) == ["get_task"] && failed.items[0].errorType == "not-found")
            let byToken = try await client.send(.get, "/api/v1/agent-activity?token_id=\(token.id)", headers: alice.bearer)
                .decode(ToolCallPageBody.self)
            #expect(byToken.items.count == 2)
            let first = try await client.send(.get, "/api/v1/agent-activity?limit=2", headers: alice.bearer).decode(ToolCallPageBody.self)
            let cursor = try #require(first.nextCursor)
            let second = try await client.send(.get, "/api/v1/agent-activity?limit=2&cursor=\(cursor)", headers: alice.bearer)
                .decode(ToolCallPageBody.self)
            #expect(first.items.count == 2 && second.items.map(\.tool) == ["create_task"] && second.nextCursor == nil)
            try await client.send(.get, "/api/v1/agent-activity?cursor=bogus", headers: alice.bearer).expectProblem(.badRequest, "bad-request")
            try await client.send(.get, "/api/v1/agent-activity?tool=a%00b", headers: alice.bearer).expectProblem(.badRequest, "bad-request")

            let bobs = try await client.send(.get, "/api/v1/agent-activity", headers: bob.bearer).decode(ToolCallPageBody.self)
            #expect(bobs.items.count == 1)
            try await client.send(.get, "/api/v1/agent-activity?all=true", headers: bob.bearer).expectProblem(.forbidden, "forbidden")
            let tasksOnly = try await client.createAccessToken(["tasks:read"], as: alice)
            try await client.send(.get, "/api/v1/agent-activity", headers: tasksOnly.bearer).expectProblem(.forbidden, "forbidden")

            let admin = try await AdminTests.makeAdmin(client, database)
            let everyone = try await client.send(.get, "/api/v1/agent-activity?all=true", headers: admin.bearer).decode(ToolCallPageBody.self)
            #expect(everyone.items.count == 4)
            #expect(everyone.items.allSatisfy { $0.arguments.isEmpty }, "an admin sees what others called, not with what")
            #expect(mine.items.contains { !$0.arguments.isEmpty }, "the owner sees their own arguments")
            let bobsAsAdmin = try await client.send(.get, "/api/v1/agent-activity?user_id=\(bob.user.id)", headers: admin.bearer)
                .decode(ToolCallPageBody.self)
            #expect(bobsAsAdmin.items.count == 1)
        }
    }
}
