import FluentKit
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Docket

@Suite("Refresh rotation and sign-out")
struct SessionTests {
    @Test("a refresh token rotates once; replaying it revokes the whole family and is audited", arguments: TestBackend.all)
    func rotationAndReuse(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, database in
            let first = try await client.register()
            let secondResponse = try await client.refresh(first.refreshToken)
            #expect(secondResponse.status == .ok)
            let second = try secondResponse.decode(TokenPairBody.self)
            #expect(second.refreshToken != first.refreshToken)
            #expect(try await client.me(second.accessToken).status == .ok)

            try await client.refresh(first.refreshToken).expectProblem(.unauthorized, "unauthorized")
            // The descendant of the replayed token is dead too.
            try await client.refresh(second.refreshToken).expectProblem(.unauthorized, "unauthorized")
            let db = database.database(logger: database.logger)
            let live = try await RefreshTokenModel.query(on: db).filter(\.$revokedAt == nil).count()
            #expect(live == 0)
            let reuse = try await AuditEventModel.query(on: db).filter(\.$eventType == "refresh_token_reused").all()
            #expect(reuse.count == 1)
            #expect(reuse.first?.userID?.uuidString.lowercased() == first.user.id)
            // Only hashes are stored.
            let stored = try await RefreshTokenModel.query(on: db).all().map(\.tokenHash)
            #expect(!stored.contains(first.refreshToken))
            #expect(stored.contains(SecureToken.hash(first.refreshToken)))
        }
    }

    @Test("garbage refresh tokens are 401; a missing field is 422", arguments: TestBackend.all)
    func invalidRefresh(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            try await client.refresh("nope").expectProblem(.unauthorized, "unauthorized")
            try await client.refresh("' OR 1=1 --").expectProblem(.unauthorized, "unauthorized")
            try await client.sendRaw(.post, "/api/v1/auth/refresh", body: "{}").expectProblem(.unprocessableContent, "validation-failed")
        }
    }

    @Test("logout revokes one family; other sessions live on", arguments: TestBackend.all)
    func logout(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let first = try await client.register()
            let other = try await client.login(email: first.user.email).decode(TokenPairBody.self)
            let response = try await client.send(.post, "/api/v1/auth/logout", json: ["refresh_token": first.refreshToken])
            #expect(response.status == .noContent)
            try await client.refresh(first.refreshToken).expectProblem(.unauthorized, "unauthorized")
            #expect(try await client.refresh(other.refreshToken).status == .ok)
            #expect(try await client.send(.post, "/api/v1/auth/logout", json: ["refresh_token": "unknown"]).status == .noContent)
        }
    }

    @Test("logout-all kills every refresh token and every earlier access token", arguments: TestBackend.all)
    func logoutAll(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let first = try await client.register()
            let other = try await client.login(email: first.user.email).decode(TokenPairBody.self)
            #expect(try await client.send(.post, "/api/v1/auth/logout-all", headers: first.bearer).status == .noContent)
            try await client.me(first.accessToken).expectProblem(.unauthorized, "unauthorized")
            try await client.me(other.accessToken).expectProblem(.unauthorized, "unauthorized")
            try await client.refresh(other.refreshToken).expectProblem(.unauthorized, "unauthorized")
            let fresh = try await client.login(email: first.user.email).decode(TokenPairBody.self)
            #expect(try await client.me(fresh.accessToken).status == .ok)
        }
    }

    @Test("protected endpoints without a token are 401 with WWW-Authenticate: Bearer", arguments: TestBackend.all)
    func missingToken(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            for (method, path) in [(HTTPRequest.Method.get, "/api/v1/users/me"), (.post, "/api/v1/auth/logout-all"), (.get, "/api/v1/admin/users")] {
                let response = try await client.send(method, path)
                try response.expectProblem(.unauthorized, "unauthorized")
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
            }
        }
    }
}
