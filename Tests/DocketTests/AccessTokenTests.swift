import FluentKit
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Docket

@Suite("Personal access tokens")
struct AccessTokenTests {
    @Test("a token is shown once, stored as a hash, listed without itself, and works within its scopes", arguments: TestBackend.all)
    func lifecycle(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, database in
            let owner = try await client.register()
            let created = try await client.createAccessToken(["tasks:write", "tasks:read"], name: "laptop agent", as: owner)
            let token = try #require(created.token)
            #expect(token.hasPrefix("dkt_") && token.count == 47)
            #expect(created.prefix == String(token.prefix(12)))
            #expect(created.scopes == ["tasks:read", "tasks:write"])

            let db = database.database(logger: database.logger)
            let stored = try #require(try await PersonalAccessTokenModel.query(on: db).first())
            #expect(stored.tokenHash == SecureToken.hash(token))
            #expect(![stored.tokenHash, stored.prefix, stored.name, stored.scopeText].contains(token))

            let listed = try await client.send(.get, "/api/v1/tokens", headers: owner.bearer)
            #expect(listed.status == .ok)
            #expect(!listed.text.contains(token))
            let items = try listed.decode(AccessTokenListBody.self).items
            #expect(items.map(\.id) == [created.id] && items[0].token == nil && items[0].lastUsedAt == nil)

            let task = try await client.send(.post, "/api/v1/tasks", json: ["title": "from an agent"], headers: created.bearer)
            #expect(task.status == .created)
            let page = try await client.send(.get, "/api/v1/tasks", headers: created.bearer).decode(TaskPageBody.self)
            #expect(page.items.map(\.title) == ["from an agent"])

            let used = try await client.send(.get, "/api/v1/tokens", headers: owner.bearer).decode(AccessTokenListBody.self).items[0]
            #expect(used.lastUsedAt != nil)
            let events = try await AuditEventModel.query(on: db).filter(\.$userID == UUID(uuidString: owner.user.id)!).all().map(\.eventType)
            #expect(events.contains("access_token_created") && events.contains("access_token_new_address"))
        }
    }

    @Test("a token without the scope gets 403 naming it; account management refuses tokens", arguments: TestBackend.all)
    func scopes(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let owner = try await client.register()
            let reader = try await client.createAccessToken(["tasks:read"], as: owner)
            let write = try await client.send(.post, "/api/v1/tasks", json: ["title": "no"], headers: reader.bearer)
            let problem = try write.expectProblem(.forbidden, "forbidden")
            #expect(problem.detail?.contains("tasks:write") == true)
            #expect(write.headers[.wwwAuthenticate] == #"Bearer error="insufficient_scope", scope="tasks:write""#)
            #expect(try await client.send(.get, "/api/v1/tasks", headers: reader.bearer).status == .ok)
            let me = try await client.send(.get, "/api/v1/users/me", headers: reader.bearer)
            try me.expectProblem(.forbidden, "forbidden")
            #expect(me.headers[.wwwAuthenticate] == #"Bearer error="insufficient_scope", scope="profile:read""#)

            let profile = try await client.createAccessToken(["profile:read", "tasks:read", "tasks:write", "agent:activity:read"], as: owner)
            #expect(try await client.send(.get, "/api/v1/users/me", headers: profile.bearer).status == .ok)
            let refused: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/api/v1/tokens", nil), (.post, "/api/v1/tokens", #"{"name":"x","scopes":["tasks:read"]}"#),
                (.delete, "/api/v1/tokens/\(profile.id)", nil),
                (.post, "/api/v1/users/me/password", #"{"current_password":"a","new_password":"Valid-Pass-1"}"#),
                (.patch, "/api/v1/users/me", #"{"name":"Agent"}"#), (.delete, "/api/v1/users/me", #"{"password":"x"}"#),
                (.post, "/api/v1/auth/logout-all", nil),
                (.post, "/api/v1/auth/email-verification", nil), (.get, "/api/v1/admin/users", nil),
            ]
            for (method, path, body) in refused {
                let response =
                    if let body {
                        try await client.sendRaw(method, path, body: body, headers: profile.bearer)
                    } else {
                        try await client.send(method, path, headers: profile.bearer)
                    }
                try response.expectProblem(.forbidden, "forbidden")
            }
            #expect(try await client.me(owner.accessToken).decode(UserBody.self).name == "Test User")
        }
    }

    @Test("revoking stops a token at once; another user's token id is a 404; another user's token sees none of the tasks", arguments: TestBackend.all)
    func revocationAndIsolation(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let alice = try await client.register()
            let bob = try await client.register()
            let aliceTask = try await client.createTask(["title": "alice's"], as: alice)
            let bobToken = try await client.createAccessToken(["tasks:read", "tasks:write"], as: bob)
            let bobPage = try await client.send(.get, "/api/v1/tasks", headers: bobToken.bearer).decode(TaskPageBody.self)
            #expect(bobPage.items.isEmpty)
            try await client.send(.get, "/api/v1/tasks/\(aliceTask.id)", headers: bobToken.bearer).expectProblem(.forbidden, "forbidden")

            try await client.send(.delete, "/api/v1/tokens/\(bobToken.id)", headers: alice.bearer).expectProblem(.notFound, "not-found")
            #expect(try await client.send(.get, "/api/v1/tasks", headers: bobToken.bearer).status == .ok)
            #expect(try await client.send(.delete, "/api/v1/tokens/\(bobToken.id)", headers: bob.bearer).status == .noContent)
            let after = try await client.send(.get, "/api/v1/tasks", headers: bobToken.bearer)
            try after.expectProblem(.unauthorized, "unauthorized")
            #expect(after.headers[.wwwAuthenticate] == #"Bearer error="invalid_token""#)
            #expect(try await client.send(.get, "/api/v1/tokens", headers: bob.bearer).decode(AccessTokenListBody.self).items.isEmpty)
            try await client.send(.delete, "/api/v1/tokens/\(bobToken.id)", headers: bob.bearer).expectProblem(.notFound, "not-found")
            try await client.send(.get, "/api/v1/tasks", headers: [.authorization: "Bearer dkt_forged"]).expectProblem(.unauthorized, "unauthorized")
        }
    }

    @Test("logout-all and deactivation revoke every personal access token", arguments: TestBackend.all)
    func sessionsEndTokens(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, database in
            let owner = try await client.register()
            let first = try await client.createAccessToken(["tasks:read"], as: owner)
            #expect(try await client.send(.post, "/api/v1/auth/logout-all", headers: owner.bearer).status == .noContent)
            try await client.send(.get, "/api/v1/tasks", headers: first.bearer).expectProblem(.unauthorized, "unauthorized")

            let session = try await client.login(email: owner.user.email).decode(TokenPairBody.self)
            let second = try await client.createAccessToken(["tasks:read"], as: session)
            let deletion = try await client.send(.delete, "/api/v1/users/me", json: ["password": goodPassword], headers: session.bearer)
            #expect(deletion.status == .accepted)
            // The deletion saga revokes every personal access token (then deletes the account).
            #expect(
                try await eventually {
                    let refused = try await client.send(.get, "/api/v1/tasks", headers: second.bearer).status == .unauthorized
                    let live = try await PersonalAccessTokenModel.query(on: database.database(logger: database.logger)).filter(\.$revokedAt == nil)
                        .count()
                    return refused && live == 0
                })
        }
    }

    @Test("invalid token requests are 422 or 400 problems", arguments: TestBackend.all)
    func validation(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let owner = try await client.register()
            let bodies = [
                #"{"name":"x","scopes":[]}"#, #"{"name":"x","scopes":["admin"]}"#, #"{"name":"","scopes":["tasks:read"]}"#,
                #"{"name":"x","scopes":["tasks:read"],"expires_in_days":0}"#, #"{"name":"x","scopes":["tasks:read"],"expires_in_days":366}"#,
                #"{"name":"x"}"#, #"{"name":"x","scopes":["tasks:read","tasks:read"]}"#, #"{"name":"x","scopes":["tasks:read"],"extra":1}"#,
            ]
            for body in bodies {
                let response = try await client.sendRaw(.post, "/api/v1/tokens", body: body, headers: owner.bearer)
                #expect([.badRequest, .unprocessableContent].contains(response.status), "\(body): \(response.status)")
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            try await client.send(.delete, "/api/v1/tokens/not-a-uuid", headers: owner.bearer).expectProblem(.badRequest, "bad-request")
            #expect(try await client.send(.get, "/api/v1/tokens", headers: owner.bearer).decode(AccessTokenListBody.self).items.isEmpty)
        }
    }

    @Test("requests with a token draw from the token's own rate limit", arguments: TestBackend.all)
    func rateLimited(backend: TestBackend) async throws {
        try await TestApp.make(backend) { $0.auth.tokenLimit = RateLimitPolicy(capacity: 3, periodSeconds: 3600) }.run { client, _ in
            let owner = try await client.register()
            let token = try await client.createAccessToken(["tasks:read"], as: owner)
            for _ in 0..<3 { #expect(try await client.send(.get, "/api/v1/tasks", headers: token.bearer).status == .ok) }
            let limited = try await client.send(.get, "/api/v1/tasks", headers: token.bearer)
            try limited.expectProblem(.tooManyRequests, "rate-limited")
            #expect(limited.headers[.retryAfter] != nil)
            let other = try await client.createAccessToken(["tasks:read"], as: owner)
            #expect(try await client.send(.get, "/api/v1/tasks", headers: other.bearer).status == .ok)
            #expect(try await client.send(.get, "/api/v1/tasks", headers: owner.bearer).status == .ok)
        }
    }

    @Test(
        "a token's requests draw on the token's and its owner's budgets at once; a refused request takes from neither",
        arguments: TestBackend.all)
    func ownerBudget(backend: TestBackend) async throws {
        try await TestApp.make(backend) {
            $0.auth.tokenLimit = RateLimitPolicy(capacity: 3, periodSeconds: 3600)
            $0.auth.tokenUserLimit = RateLimitPolicy(capacity: 4, periodSeconds: 3600)
            $0.server.metricsToken = "metrics-token"
        }.run { client, database in
            let owner = try await client.register()
            let first = try await client.createAccessToken(["tasks:read"], as: owner)
            let second = try await client.createAccessToken(["tasks:read"], as: owner)
            for _ in 0..<3 { #expect(try await client.send(.get, "/api/v1/tasks", headers: first.bearer).status == .ok) }
            for _ in 0..<3 {
                let refused = try await client.send(.get, "/api/v1/tasks", headers: first.bearer)
                try refused.expectProblem(.tooManyRequests, "rate-limited")
                #expect(refused.headers[HTTPField.Name("RateLimit-Policy")!] == "\"token\";q=3;w=3600")
            }
            // The refused requests took nothing from the owner's budget: one of its four is left.
            #expect(try await client.send(.get, "/api/v1/tasks", headers: second.bearer).status == .ok)
            let statementsBefore = try await Self.rateLimitStatements(client)
            let refused = try await client.send(.get, "/api/v1/tasks", headers: second.bearer)
            try refused.expectProblem(.tooManyRequests, "rate-limited")
            #expect(refused.headers[HTTPField.Name("RateLimit-Policy")!] == "\"token-user\";q=4;w=3600")
            guard backend == .postgres else { return }
            // On PostgreSQL the refused request cost one statement for both buckets (none to give a token back)...
            let statementsAfter = try await Self.rateLimitStatements(client)
            #expect(statementsAfter == statementsBefore + 1)
            // ...and the second token's own bucket kept its token when its owner's refused: 2 of 3 left, not 1.
            let row = try await database.sql(logger: database.logger).raw(
                "SELECT tokens FROM rate_limit_buckets WHERE key = \(bind: "token:" + second.id.lowercased())"
            ).first()
            let tokens = try #require(try row?.decode(column: "tokens", as: Double.self))
            #expect(tokens >= 2 && tokens < 2.1)
        }
    }

    /// How many rate-limit statements the server has run, from its `/metrics`.
    private static func rateLimitStatements(_ client: some TestClientProtocol) async throws -> Int {
        let metrics = try await client.send(.get, "/metrics", headers: [.authorization: "Bearer metrics-token"]).text
        let prefix = "database_query_duration_seconds_count{operation=\"rate_limit\"} "
        let line = metrics.split(separator: "\n").first { $0.hasPrefix(prefix) }
        return line.flatMap { Int($0.dropFirst(prefix.count)) } ?? 0
    }
}
