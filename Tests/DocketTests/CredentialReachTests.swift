import Foundation
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Testing

@testable import Docket

/// A credential's reach ends with it: feeds opened with it close, and what outlives a sign-in (personal access tokens,
/// webhooks) ends when the account's sign-ins are in doubt.
@Suite("What a credential reaches ends with it")
struct CredentialReachTests {
    /// `headers` asking for an event stream.
    private static func streaming(_ headers: HTTPFields) -> HTTPFields {
        var fields = headers
        fields[.accept] = "text/event-stream"
        return fields
    }

    /// An endpoint as listed, with why it was disabled.
    private struct Hook: Decodable {
        let id: String
        let enabled: Bool
        let disabledReason: String?

        enum CodingKeys: String, CodingKey {
            case id, enabled
            case disabledReason = "disabled_reason"
        }
    }

    /// A list of endpoints.
    private struct Hooks: Decodable {
        let items: [Hook]
    }

    @Test(
        "an event stream ends when the session that opened it signs out, or its personal access token is revoked",
        arguments: TestBackend.all)
    func feedsEndWithTheirCredential(backend: TestBackend) async throws {
        try await TestApp.make(backend) { $0.auth.cacheTTL = 1 }.run { client, _ in
            let owner = try await client.register()
            let other = try #require(try await client.login(email: owner.user.email).decode(TokenPairBody.self))
            let session = Task { try await client.send(.get, "/api/v1/events", headers: Self.streaming(owner.bearer)) }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await client.send(.post, "/api/v1/auth/logout", json: ["refresh_token": owner.refreshToken]).status == .noContent)
            let ended = try await StreamDeadline.ended(session, within: .seconds(10))
            #expect(ended.status == .ok)
            #expect(ended.text.hasPrefix("retry: 2000\nid: 0\n: connected\n\n"))
            #expect(ended.text.hasSuffix(": credential ended\n\n"))
            #expect(try await client.send(.get, "/api/v1/events", headers: Self.streaming(owner.bearer)).status == .unauthorized)

            let token = try await client.createAccessToken(["tasks:read"], as: other)
            let agent = Task { try await client.send(.get, "/api/v1/events", headers: Self.streaming(token.bearer)) }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await client.send(.delete, "/api/v1/tokens/\(token.id)", headers: other.bearer).status == .noContent)
            #expect(try await StreamDeadline.ended(agent, within: .seconds(10)).text.hasSuffix(": credential ended\n\n"))
        }
    }

    @Test(
        "password change, sign-out everywhere and a reused refresh token revoke personal access tokens and disable webhooks",
        arguments: TestBackend.all)
    func lockdown(backend: TestBackend) async throws {
        let app = try await TestApp.make(backend) { $0.events.webhookAllowedTargets = [TargetRange("127.0.0.1/32:9")!] }
        try await app.run { client, _ in
            for cause in ["password", "everywhere", "reuse"] {
                let owner = try await client.register()
                let bystander = try await client.register()
                let token = try await client.createAccessToken(["tasks:read"], as: owner)
                let spared = try await client.createAccessToken(["tasks:read"], as: bystander)
                for account in [owner, bystander] {
                    let created = try await client.send(
                        .post, "/api/v1/webhooks", json: ["url": "http://127.0.0.1:9/"], headers: account.bearer)
                    try #require(created.status == .created, "\(created.text)")
                }
                var session = owner
                switch cause {
                case "password":
                    let changed = try await client.send(
                        .post, "/api/v1/users/me/password",
                        json: ["current_password": goodPassword, "new_password": "Another-Horse-42"], headers: owner.bearer)
                    #expect(changed.status == .noContent, "\(changed.text)")
                    session = try await client.login(email: owner.user.email, password: "Another-Horse-42").decode(TokenPairBody.self)
                case "everywhere":
                    #expect(try await client.send(.post, "/api/v1/auth/logout-all", headers: owner.bearer).status == .noContent)
                    session = try await client.login(email: owner.user.email).decode(TokenPairBody.self)
                default:
                    #expect(try await client.refresh(owner.refreshToken).status == .ok)
                    #expect(try await client.refresh(owner.refreshToken).status == .unauthorized)
                    session = try await client.login(email: owner.user.email).decode(TokenPairBody.self)
                }
                #expect(try await client.send(.get, "/api/v1/tasks", headers: token.bearer).status == .unauthorized, "\(cause)")
                #expect(try await client.send(.get, "/api/v1/tasks", headers: spared.bearer).status == .ok, "\(cause)")
                let hooks = try await client.send(.get, "/api/v1/webhooks", headers: session.bearer).decode(Hooks.self)
                let hook = try #require(hooks.items.first)
                #expect(!hook.enabled, "\(cause)")
                let reason = hook.disabledReason ?? ""
                #expect(reason.contains(cause == "reuse" ? "refresh token" : cause == "password" ? "password" : "everywhere"), "\(reason)")
                let events = try await client.send(.get, "/api/v1/events", headers: session.bearer).text
                #expect(events.contains("webhook.disabled"), "\(cause)")
                let bystanderHooks = try await client.send(.get, "/api/v1/webhooks", headers: bystander.bearer).decode(Hooks.self)
                #expect(bystanderHooks.items.first?.enabled == true, "\(cause)")
                // The owner turns the endpoint back on once signed in again.
                let enabled = try await client.send(.patch, "/api/v1/webhooks/\(hook.id)", json: ["enabled": true], headers: session.bearer)
                #expect(enabled.status == .ok, "\(enabled.text)")
                #expect(try enabled.decode(Hook.self).enabled)
            }
        }
    }

    @Test(
        "creating a personal access token or a webhook needs a recent sign-in with the password; a refresh is not one",
        arguments: TestBackend.all)
    func recentSignIn(backend: TestBackend) async throws {
        let app = try await TestApp.make(backend) { $0.events.webhookAllowedTargets = [TargetRange("127.0.0.1/32:9")!] }
        try await app.run { client, database in
            let owner = try await client.register()
            _ = try await client.createAccessToken(["tasks:read"], as: owner)
            // The sign-in is now an hour old (the default window is 10 minutes).
            try await database.sql(logger: database.logger).raw(
                "UPDATE sessions SET created_at = \(bind: Date().addingTimeInterval(-3600)) WHERE user_id = \(bind: UUID(uuidString: owner.user.id)!)"
            ).run()
            let body = JSONObject(["name": "late", "scopes": .array(["tasks:read"]), "expires_in_days": 30])
            try await client.send(.post, "/api/v1/tokens", json: body, headers: owner.bearer)
                .expectProblem(.forbidden, "recent-sign-in-required")
            try await client.send(.post, "/api/v1/webhooks", json: ["url": "http://127.0.0.1:9/"], headers: owner.bearer)
                .expectProblem(.forbidden, "recent-sign-in-required")
            let refreshed = try await client.refresh(owner.refreshToken).decode(TokenPairBody.self)
            try await client.send(.post, "/api/v1/tokens", json: body, headers: refreshed.bearer)
                .expectProblem(.forbidden, "recent-sign-in-required")
            #expect(try await client.send(.get, "/api/v1/tokens", headers: refreshed.bearer).decode(AccessTokenListBody.self).items.count == 1)
            let again = try await client.login(email: owner.user.email).decode(TokenPairBody.self)
            #expect(try await client.send(.post, "/api/v1/tokens", json: body, headers: again.bearer).status == .created)
            #expect(try await client.send(.post, "/api/v1/webhooks", json: ["url": "http://127.0.0.1:9/"], headers: again.bearer).status == .created)
        }
    }

    @Test(
        "an MCP session opened with a sign-in is bound to that sign-in and draws from the agent rate limits",
        arguments: TestBackend.all)
    func mcpWithASignIn(backend: TestBackend) async throws {
        try await TestApp.make(backend) { $0.auth.tokenLimit = RateLimitPolicy(capacity: 4, periodSeconds: 3600) }.run { client, _ in
            let owner = try await client.register()
            var mcp = MCPTestClient(client, token: owner.accessToken)
            try await mcp.initialize()  // two requests
            _ = try await mcp.call("tools/list")  // three
            let other = try await client.login(email: owner.user.email).decode(TokenPairBody.self)
            var intruder = MCPTestClient(client, token: other.accessToken)
            intruder.sessionID = mcp.sessionID
            let borrowed = try await client.executeRequest(
                uri: "/mcp", method: .post, headers: intruder.headers, body: .init(string: #"{"jsonrpc":"2.0","id":9,"method":"tools/list"}"#))
            #expect(borrowed.status == .forbidden, "another sign-in of the same account cannot use the session")
            _ = try await mcp.call("tools/list")  // four
            let limited = try await client.executeRequest(
                uri: "/mcp", method: .post, headers: mcp.headers, body: .init(string: #"{"jsonrpc":"2.0","id":10,"method":"tools/list"}"#))
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[HTTPField.Name("RateLimit-Policy")!] == "\"session\";q=4;w=3600")
        }
    }
}
