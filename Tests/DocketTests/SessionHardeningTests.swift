import Foundation
import HTTPTypes
import HummingbirdTesting
import SQLKit
import Testing

@testable import Docket

@Suite("Sessions: access tokens bound to them, atomic rotation, absolute lifetime, admin rules")
struct SessionHardeningTests {
    @Test("logging out ends the session's access token at once, not after its 15 minutes", arguments: TestBackend.all)
    func logoutEndsAccessToken(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let email = uniqueEmail()
            let phone = try await client.register(email: email)
            let laptop = try await client.login(email: email).decode(TokenPairBody.self)
            #expect(try await client.send(.post, "/api/v1/auth/logout", json: ["refresh_token": phone.refreshToken]).status == .noContent)
            try await client.me(phone.accessToken).expectProblem(.unauthorized, "unauthorized")
            try await client.refresh(phone.refreshToken).expectProblem(.unauthorized, "unauthorized")
            // Only that session ended.
            #expect(try await client.me(laptop.accessToken).status == .ok)
            #expect(try await client.send(.post, "/api/v1/auth/logout-all", headers: laptop.bearer).status == .noContent)
            try await client.me(laptop.accessToken).expectProblem(.unauthorized, "unauthorized")
        }
    }

    @Test("50 concurrent refreshes of one token: exactly one succeeds, and afterwards no token of the family works", arguments: TestBackend.all)
    func refreshRace(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, database in
            let tokens = try await client.register()
            let results = try await withThrowingTaskGroup(of: (HTTPResponse.Status, TokenPairBody?).self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        let response = try await client.refresh(tokens.refreshToken)
                        return (response.status, response.status == .ok ? try response.decode(TokenPairBody.self) : nil)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let winners = results.compactMap(\.1)
            #expect(winners.count == 1)
            // The rest are refused: 401 (reuse detected), or 503 when a suite under load keeps one waiting for a
            // connection past the pool timeout; never a second success.
            #expect(results.filter { $0.0 != .ok }.allSatisfy { $0.0 == .unauthorized || $0.0 == .serviceUnavailable }, "\(results.map(\.0.code))")
            #expect(results.contains { $0.0 == .unauthorized })
            let winner = try #require(winners.first)
            // Reuse detection revoked the session, including the token issued to the winner and its access token.
            try await client.refresh(winner.refreshToken).expectProblem(.unauthorized, "unauthorized")
            try await client.me(winner.accessToken).expectProblem(.unauthorized, "unauthorized")
            try await client.me(tokens.accessToken).expectProblem(.unauthorized, "unauthorized")
            let live = try await database.sql(logger: database.logger).raw(
                "SELECT COUNT(*) AS n FROM refresh_tokens WHERE user_id = \(bind: UUID(uuidString: tokens.user.id)!) AND revoked_at IS NULL"
            ).first()!.decode(column: "n", as: Int.self)
            #expect(live == 0)
        }
    }

    @Test("a session ends at its absolute lifetime however recently it was refreshed", arguments: TestBackend.all)
    func absoluteLifetime(backend: TestBackend) async throws {
        try await TestApp.make(backend) { $0.auth.cacheTTL = 0 }.run { client, database in
            let tokens = try await client.register()
            let rotated = try await client.refresh(tokens.refreshToken).decode(TokenPairBody.self)
            #expect(try await client.me(rotated.accessToken).status == .ok)
            // The session reaches its DOCKET_SESSION_MAX_AGE (as stored); the refresh token's idle expiry is far off.
            try await database.sql(logger: database.logger).raw(
                "UPDATE sessions SET expires_at = \(bind: Date().addingTimeInterval(-1)) WHERE user_id = \(bind: UUID(uuidString: tokens.user.id)!)"
            ).run()
            try await client.refresh(rotated.refreshToken).expectProblem(.unauthorized, "unauthorized")
            try await client.me(rotated.accessToken).expectProblem(.unauthorized, "unauthorized")
        }
        let config = try DocketConfig.load(from: ["DOCKET_SESSION_MAX_AGE": "86400"])
        #expect(config.auth.sessionMaxAge == 86_400 && AuthSettings().sessionMaxAge == 2_592_000)
    }

    @Test(
        "admin changes name the acting admin; no self-demotion; the last active admin stays; a demotion holds on the next request",
        arguments: TestBackend.all)
    func adminRules(backend: TestBackend) async throws {
        try await TestApp.make(backend) { $0.auth.cacheTTL = 0 }.run { client, database in
            let admin = try await AdminTests.makeAdmin(client, database)
            let path = "/api/v1/admin/users/\(admin.user.id)"
            let selfDemotion = try await client.send(.patch, path, json: ["role": "user"], headers: admin.bearer)
            try selfDemotion.expectProblem(.conflict, "conflict")
            try await client.send(.patch, path, json: ["active": false], headers: admin.bearer).expectProblem(.conflict, "conflict")
            // Deactivating oneself another way would leave no admin.
            try await client.send(.delete, "/api/v1/users/me", json: ["password": goodPassword], headers: admin.bearer)
                .expectProblem(.conflict, "conflict")
            // `null` is not a boolean (the contract says so); it used to slip through as "absent".
            let null = try await client.sendRaw(.patch, path, body: #"{"active": null}"#, headers: admin.bearer)
            #expect(try null.expectProblem(.unprocessableContent, "validation-failed").pointers == ["/active"])

            let second = try await AdminTests.makeAdmin(client, database)
            #expect(try await client.send(.patch, path, json: ["role": "user"], headers: second.bearer).status == .ok)
            // The demotion takes effect on the very next request (cache lifetime 0 here; at most DOCKET_AUTH_CACHE_TTL).
            try await client.send(.get, "/api/v1/admin/users", headers: admin.bearer).expectProblem(.forbidden, "forbidden")
            // `second` is now the last active admin.
            try await client.send(.delete, "/api/v1/users/me", json: ["password": goodPassword], headers: second.bearer)
                .expectProblem(.conflict, "conflict")
            let events = try await client.send(.get, "/api/v1/admin/audit-events?event_type=role_changed", headers: second.bearer)
                .decode(PageBody<AuditEventBody>.self)
            let demotion = try #require(events.items.first { $0.userID == admin.user.id })
            #expect(demotion.actorID == second.user.id && demotion.count == 1)
        }
    }
}
