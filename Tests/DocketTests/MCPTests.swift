import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Docket

@Suite("The MCP endpoint, in-process")
struct MCPTests {
    static func structured(_ result: [String: Any]) -> [String: Any] { result["structuredContent"] as? [String: Any] ?? [:] }
    static func isError(_ result: [String: Any]) -> Bool { result["isError"] as? Bool == true }
    static func text(_ result: [String: Any]) -> String {
        (result["content"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }.joined(separator: " ")
    }

    @Test("tools, resources and the prompt work through a session, as the caller, with errors as tool errors", arguments: TestBackend.all)
    func session(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, database in
            let owner = try await client.register()
            let token = try await client.createAccessToken(["tasks:read", "tasks:write", "agent:activity:read"], as: owner)
            var mcp = MCPTestClient(client, token: token.token!)
            try await mcp.initialize()
            let tools = try await mcp.call("tools/list")["tools"] as? [[String: Any]] ?? []
            #expect(tools.count == 12 && tools.allSatisfy { $0["inputSchema"] != nil && $0["annotations"] != nil })

            let created = Self.structured(try await mcp.tool("create_task", ["title": "From MCP", "due_date": "2026-05-01", "priority": "high"]))
            let id = try #require(created["id"] as? String)
            #expect(created["version"] as? Int == 1)
            let listed = Self.structured(try await mcp.tool("list_tasks", ["priority": ["high"], "sort": "due_date", "order": "asc"]))
            #expect((listed["items"] as? [[String: Any]])?.count == 1)
            #expect((Self.structured(try await mcp.tool("search_tasks", ["query": "from mcp"]))["items"] as? [Any])?.count == 1)
            #expect(Self.structured(try await mcp.tool("get_task", ["id": id]))["title"] as? String == "From MCP")
            let updated = Self.structured(
                try await mcp.tool("update_task", ["id": id, "description": "notes", "due_date": NSNull(), "expected_version": 1]))
            #expect(updated["description"] as? String == "notes" && updated["due_date"] == nil && updated["version"] as? Int == 2)
            let stale = try await mcp.tool("update_task", ["id": id, "title": "no", "expected_version": 1])
            #expect(Self.isError(stale) && Self.structured(stale)["status"] as? Int == 412)
            let done = Self.structured(try await mcp.tool("complete_task", ["id": id]))
            #expect(done["status"] as? String == "done")
            let workload = Self.structured(try await mcp.tool("summarize_workload"))
            #expect(workload["total"] as? Int == 1 && (workload["by_status"] as? [String: Int]) == ["done": 1])

            let bad = try await mcp.tool("create_task", ["title": 5, "colour": "red"])
            #expect(Self.isError(bad) && Self.text(bad).contains("/colour") && Self.text(bad).contains("/title"))
            #expect(Self.isError(try await mcp.tool("get_task", ["id": "nope"])))
            #expect(Self.isError(try await mcp.tool("no_such_tool")))
            #expect(Self.isError(try await mcp.tool("list_tasks", ["status": ["later"], "limit": 0, "due_before": "2026-02-30"])))
            #expect(Self.isError(try await mcp.tool("search_tasks", ["query": ""])))

            let imported = Self.structured(try await mcp.tool("import_tasks", ["csv": "title,priority\nOne,low\nTwo,low\n"]))
            let importID = try #require(imported["id"] as? String)
            #expect(imported["kind"] as? String == "import_tasks")
            var state = Self.structured(try await mcp.tool("get_job", ["id": importID]))
            for _ in 0..<200 where state["state"] as? String != "succeeded" {
                try await Task.sleep(for: .milliseconds(20))
                state = Self.structured(try await mcp.tool("get_job", ["id": importID]))
            }
            #expect(state["state"] as? String == "succeeded")
            let fromRows = Self.structured(try await mcp.tool("import_tasks", ["tasks": [["title": "Three", "status": "in_progress"]]]))
            #expect(fromRows["kind"] as? String == "import_tasks")
            #expect(Self.isError(try await mcp.tool("import_tasks", ["tasks": [["title": "x"]], "csv": "title\ny"])))
            #expect(Self.isError(try await mcp.tool("import_tasks", ["tasks": ["not an object"]])))
            let bulk = Self.structured(try await mcp.tool("bulk_update_tasks", ["filter": ["priority": ["low"]], "set_priority": "medium"]))
            #expect(bulk["kind"] as? String == "bulk_update_tasks")
            #expect(Self.isError(try await mcp.tool("bulk_update_tasks", ["filter": "all"])))
            let cancel = try await mcp.tool("cancel_job", ["id": importID])
            #expect(Self.isError(cancel) && Self.structured(cancel)["status"] as? Int == 409)

            let templates = try await mcp.call("resources/templates/list")["resourceTemplates"] as? [[String: Any]]
            #expect(templates?.first?["uriTemplate"] as? String == "docket://tasks/{id}")
            #expect((try await mcp.call("resources/list")["resources"] as? [Any])?.count == 1)
            let read = try await mcp.call("resources/read", ["uri": "docket://tasks/\(id)"])
            let contents = try #require((read["contents"] as? [[String: Any]])?.first?["text"] as? String)
            #expect(contents.contains(id))
            let open = try await mcp.call("resources/read", ["uri": "docket://tasks/open"])
            #expect(((open["contents"] as? [[String: Any]])?.first?["text"] as? String)?.contains("Three") == true)
            #expect(try await mcp.request("resources/read", ["uri": "docket://nothing"])["error"] != nil)
            let prompt = try await mcp.call("prompts/get", ["name": "daily_review", "arguments": ["focus": "errands"]])
            let message = ((prompt["messages"] as? [[String: Any]])?.first?["content"] as? [String: Any])?["text"] as? String
            #expect(message?.contains("Favour: errands") == true)
            #expect(try await mcp.request("prompts/get", ["name": "weekly"])["error"] != nil)

            let deleted = try await mcp.tool("delete_task", ["id": id])
            let gone = try await mcp.tool("get_task", ["id": id])
            #expect(!Self.isError(deleted) && Self.isError(gone))

            let activity = try await client.send(.get, "/api/v1/agent-activity?limit=100", headers: token.bearer).decode(ToolCallPageBody.self)
            #expect(activity.items.count >= 20 && activity.items.allSatisfy { $0.clientName == "swift-test" && $0.tokenID == token.id })
            _ = database
        }
    }

    @Test(
        "authentication, sessions bound to their credential, scopes, and the protocol's own errors", arguments: TestBackend.all)
    func guards(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let owner = try await client.register()
            let unauthenticated = try await client.sendRaw(.post, "/mcp", body: #"{"jsonrpc":"2.0","id":1,"method":"initialize"}"#)
            try unauthenticated.expectProblem(.unauthorized, "unauthorized")
            #expect(
                unauthenticated.headers[.wwwAuthenticate]?.contains("resource_metadata=\"http://127.0.0.1:0/.well-known/oauth-protected-resource\"")
                    == true)
            let forged = try await client.sendRaw(.post, "/mcp", body: "{}", headers: [.authorization: "Bearer dkt_nope"])
            #expect(forged.status == .unauthorized && forged.headers[.wwwAuthenticate]?.contains("invalid_token") == true)
            let metadata = try await client.send(.get, "/.well-known/oauth-protected-resource")
            #expect(metadata.status == .ok && metadata.text.contains("tasks:write"))
            #expect(try await client.send(.get, "/mcp", headers: owner.bearer).status == .badRequest, "a stream needs a session")
            let put = try await client.send(.put, "/mcp", headers: owner.bearer)
            try put.expectProblem(.methodNotAllowed, "method-not-allowed")
            #expect(put.headers[.allow] == "POST, GET, DELETE")

            let reader = try await client.createAccessToken(["tasks:read"], as: owner)
            var readOnly = MCPTestClient(client, token: reader.token!)
            let noSession = try await client.executeRequest(
                uri: "/mcp", method: .post, headers: readOnly.headers, body: .init(string: #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#))
            #expect(noSession.status == .badRequest)
            try await readOnly.initialize()
            let names = (try await readOnly.call("tools/list")["tools"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(Set(names) == ["list_tasks", "search_tasks", "get_task", "summarize_workload", "get_job"])
            let denied = try await readOnly.tool("create_task", ["title": "no"])
            #expect(Self.isError(denied) && Self.text(denied).contains("tasks:write"))

            var other = MCPTestClient(client, token: owner.accessToken)
            other.sessionID = readOnly.sessionID
            let stolen = try await client.executeRequest(
                uri: "/mcp", method: .post, headers: other.headers, body: .init(string: #"{"jsonrpc":"2.0","id":5,"method":"tools/list"}"#))
            #expect(stolen.status == .forbidden)
            var unknown = readOnly
            unknown.sessionID = "no-such-session"
            let missing = try await client.executeRequest(
                uri: "/mcp", method: .post, headers: unknown.headers, body: .init(string: #"{"jsonrpc":"2.0","id":5,"method":"tools/list"}"#))
            #expect(missing.status == .notFound)

            let closed = try await client.executeRequest(uri: "/mcp", method: .delete, headers: readOnly.headers, body: nil)
            #expect(closed.status == .ok || closed.status == .noContent || closed.status == .accepted)
            let afterClose = try await client.executeRequest(
                uri: "/mcp", method: .post, headers: readOnly.headers, body: .init(string: #"{"jsonrpc":"2.0","id":6,"method":"tools/list"}"#))
            #expect(afterClose.status == .notFound)
        }
    }

    @Test(
        "MCP writes draw from the account's write budget, the one REST writes share; a made-up tool name never becomes a label",
        arguments: TestBackend.all)
    func writeBudgetAndToolNames(backend: TestBackend) async throws {
        try await TestApp.make(backend) {
            $0.auth.writeLimit = RateLimitPolicy(capacity: 5, periodSeconds: 600)
            $0.server.metricsToken = "metrics-token"
        }.run { client, database in
            let owner = try await client.register()
            _ = try await client.createTask(["title": "over REST"], as: owner)
            var mcp = MCPTestClient(client, token: owner.accessToken)
            try await mcp.initialize()
            var statuses: [Int] = []
            for index in 0..<8 {
                let result = try await mcp.tool("create_task", ["title": "over MCP \(index)"])
                statuses.append(Self.isError(result) ? Self.structured(result)["status"] as? Int ?? 0 : 201)
            }
            #expect(statuses == [201, 201, 201, 201, 429, 429, 429, 429])
            #expect(!Self.isError(try await mcp.tool("list_tasks")), "reads are not writes")
            let rest = try await client.send(.post, "/api/v1/tasks", json: ["title": "REST again"], headers: owner.bearer)
            try rest.expectProblem(.tooManyRequests, "rate-limited")
            let stored = try await database.sql(logger: database.logger).raw("SELECT COUNT(*) AS n FROM tasks").first()!
                .decode(column: "n", as: Int.self)
            #expect(stored == 5)

            for index in 0..<30 {
                let name = "made_up_\(index)_" + String(repeating: "x", count: 300)
                #expect(Self.isError(try await mcp.tool(name)))
            }
            let metrics = try await client.send(.get, "/metrics", headers: [.authorization: "Bearer metrics-token"]).text
            let series = metrics.split(separator: "\n").filter { $0.hasPrefix("mcp_tool_calls_total{") }
            #expect(!series.isEmpty && !series.contains { $0.contains("made_up") })
            #expect(series.contains { $0.contains("tool=\"unknown\"") && $0.hasSuffix(" 30") })
            let tools = try await database.sql(logger: database.logger).raw("SELECT DISTINCT tool FROM tool_calls").all()
                .map { try $0.decode(column: "tool", as: String.self) }
            #expect(Set(tools) == ["create_task", "list_tasks", "unknown"])
        }
    }
}

@Suite("MCP settings")
struct MCPSettingsTests {
    @Test("the default allow-lists are the loopback names and the public URL's host; settings replace them")
    func allowLists() throws {
        let defaults = try DocketConfig.load(from: ["DOCKET_PUBLIC_URL": "https://docket.example.org"])
        let hosts = defaults.mcp.hosts(publicURL: defaults.publicURL)
        #expect(hosts.contains("docket.example.org") && hosts.contains("127.0.0.1:*") && !hosts.contains("*"))
        #expect(defaults.mcp.origins(publicURL: defaults.publicURL).contains("https://docket.example.org"))
        let set = try DocketConfig.load(from: [
            "DOCKET_MCP_ALLOWED_HOSTS": "a.example, b.example:*", "DOCKET_MCP_ALLOWED_ORIGINS": "https://a.example",
            "DOCKET_MCP_SESSION_IDLE": "60", "DOCKET_MCP_MAX_SESSIONS": "5", "DOCKET_AGENT_ACTIVITY_DAYS": "7",
        ]).mcp
        #expect(set.hosts(publicURL: "http://x") == ["a.example", "b.example:*"] && set.origins(publicURL: "http://x") == ["https://a.example"])
        #expect(set.sessionIdleSeconds == 60 && set.maxSessions == 5 && set.activityRetentionDays == 7)
        #expect(throws: ConfigError.self) { try DocketConfig.load(from: ["DOCKET_MCP_MAX_SESSIONS": "0"]) }
    }
}
