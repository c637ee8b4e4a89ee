import FluentKit
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Docket

@Suite("Admin endpoints")
struct AdminTests {
    /// Registers a user and promotes them directly in the database (the CLI's job in production).
    static func makeAdmin(_ client: some TestClientProtocol, _ database: DocketDatabase) async throws -> TokenPairBody {
        let tokens = try await client.register(email: uniqueEmail("admin"))
        let user = try #require(try await UserModel.find(UUID(uuidString: tokens.user.id), on: database.database(logger: database.logger)))
        user.role = "admin"
        try await user.save(on: database.database(logger: database.logger))
        return try await client.login(email: tokens.user.email).decode(TokenPairBody.self)
    }

    @Test("non-admins get 403 on every admin endpoint", arguments: TestBackend.all)
    func forbidden(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let user = try await client.register()
            try await client.send(.get, "/api/v1/admin/users", headers: user.bearer).expectProblem(.forbidden, "forbidden")
            try await client.send(.get, "/api/v1/admin/audit-events", headers: user.bearer).expectProblem(.forbidden, "forbidden")
            try await client.send(.patch, "/api/v1/admin/users/\(user.user.id)", json: ["role": "admin"], headers: user.bearer)
                .expectProblem(.forbidden, "forbidden")
        }
    }

    @Test("admins list users with filters and pagination", arguments: TestBackend.all)
    func listUsers(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, database in
            let admin = try await Self.makeAdmin(client, database)
            for index in 0..<5 { _ = try await client.register(email: "list\(index)_x-\(UUID().uuidString.prefix(4))@filter.test") }
            _ = try await client.register(email: "percent%literal-\(UUID().uuidString.prefix(4))@filter.test")
            let all = try await client.send(.get, "/api/v1/admin/users?limit=2", headers: admin.bearer).decode(PageBody<UserBody>.self)
            #expect(all.total == 7)
            #expect(all.items.count == 2)
            let filtered = try await client.send(.get, "/api/v1/admin/users?email=FILTER.TEST&limit=100", headers: admin.bearer).decode(
                PageBody<UserBody>.self)
            #expect(filtered.total == 6)
            let literal = try await client.send(.get, "/api/v1/admin/users?email=%25literal", headers: admin.bearer).decode(PageBody<UserBody>.self)
            #expect(literal.total == 1)
            let underscore = try await client.send(.get, "/api/v1/admin/users?email=1_x", headers: admin.bearer).decode(PageBody<UserBody>.self)
            #expect(underscore.total == 1)
            let admins = try await client.send(.get, "/api/v1/admin/users?role=admin", headers: admin.bearer).decode(PageBody<UserBody>.self)
            #expect(admins.items.map(\.id) == [admin.user.id])
            let pageTwo = try await client.send(.get, "/api/v1/admin/users?limit=5&offset=5", headers: admin.bearer).decode(PageBody<UserBody>.self)
            #expect(pageTwo.items.count == 2)
            try await client.send(.get, "/api/v1/admin/users?limit=0", headers: admin.bearer).expectProblem(.badRequest, "bad-request")
            let role = try await client.send(.get, "/api/v1/admin/users?role=root", headers: admin.bearer).expectProblem(.badRequest, "bad-request")
            #expect(role.detail == "role must be one of user, admin.")
            // Every constraint of the contract holds for query parameters too (an outside fuzz run found this one open).
            let long = String(repeating: "a", count: 300)
            try await client.send(.get, "/api/v1/admin/users?email=\(long)", headers: admin.bearer).expectProblem(.badRequest, "bad-request")
        }
    }

    @Test("admins change roles and deactivate; the change reaches the user's tokens", arguments: TestBackend.all)
    func updateUser(backend: TestBackend) async throws {
        try await TestApp.make(backend) { $0.auth.cacheTTL = 0 }.run { client, database in
            let admin = try await Self.makeAdmin(client, database)
            let user = try await client.register()
            let promoted = try await client.send(.patch, "/api/v1/admin/users/\(user.user.id)", json: ["role": "admin"], headers: admin.bearer)
            #expect(try promoted.decode(UserBody.self).role == "admin")
            #expect(try await client.send(.get, "/api/v1/admin/users", headers: user.bearer).status == .ok)
            let deactivated = try await client.send(.patch, "/api/v1/admin/users/\(user.user.id)", json: ["active": false], headers: admin.bearer)
            #expect(try deactivated.decode(UserBody.self).active == false)
            try await client.me(user.accessToken).expectProblem(.unauthorized, "unauthorized")
            let reactivated = try await client.send(.patch, "/api/v1/admin/users/\(user.user.id)", json: ["active": true], headers: admin.bearer)
            #expect(try reactivated.decode(UserBody.self).active)
            #expect(try await client.login(email: user.user.email).status == .ok)
            try await client.send(.patch, "/api/v1/admin/users/\(UUID().uuidString)", json: ["active": true], headers: admin.bearer)
                .expectProblem(.notFound, "not-found")
            try await client.send(.patch, "/api/v1/admin/users/not-a-uuid", json: ["active": true], headers: admin.bearer)
                .expectProblem(.badRequest, "bad-request")
        }
    }

    @Test("the audit log records security events with request IDs, filterable by user and type", arguments: TestBackend.all)
    func auditLog(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, database in
            let admin = try await Self.makeAdmin(client, database)
            let user = try await client.register()
            _ = try await client.login(email: user.user.email, password: "Wrong-Password-9")
            let failed = try await client.send(
                .get, "/api/v1/admin/audit-events?event_type=login_failed&user_id=\(user.user.id)", headers: admin.bearer
            ).decode(PageBody<AuditEventBody>.self)
            #expect(failed.total == 1)
            #expect(failed.items.first?.requestID?.isEmpty == false)
            let mine = try await client.send(.get, "/api/v1/admin/audit-events?user_id=\(user.user.id)", headers: admin.bearer)
            #expect(try mine.decode(PageBody<AuditEventBody>.self).items.map(\.eventType).sorted() == ["login_failed", "registered"])
            #expect(!mine.text.contains(goodPassword) && !mine.text.contains("Wrong-Password-9"))
        }
    }
}
