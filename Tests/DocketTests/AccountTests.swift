import FluentKit
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Docket

@Suite("The signed-in user's account")
struct AccountTests {
    @Test("PATCH /users/me changes the name and validates it", arguments: TestBackend.all)
    func rename(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let tokens = try await client.register()
            let renamed = try await client.send(.patch, "/api/v1/users/me", json: ["name": " Grace "], headers: tokens.bearer)
            #expect(renamed.status == .ok)
            #expect(try renamed.decode(UserBody.self).name == "Grace")
            #expect(try await client.me(tokens.accessToken).decode(UserBody.self).name == "Grace")
            let blank = try await client.send(.patch, "/api/v1/users/me", json: ["name": ""], headers: tokens.bearer)
            #expect(try blank.expectProblem(.unprocessableContent, "validation-failed").pointers == ["/name"])
            let long = try await client.send(.patch, "/api/v1/users/me", json: ["name": String(repeating: "é", count: 101)], headers: tokens.bearer)
            try long.expectProblem(.unprocessableContent, "validation-failed")
        }
    }

    @Test("changing the password needs the current one and signs out every session", arguments: TestBackend.all)
    func changePassword(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let tokens = try await client.register()
            let wrong = try await client.send(
                .post, "/api/v1/users/me/password", json: ["current_password": "Nope-nope-1", "new_password": "New-Password-2"],
                headers: tokens.bearer)
            #expect(try wrong.expectProblem(.unprocessableContent, "validation-failed").pointers == ["/current_password"])
            let weak = try await client.send(
                .post, "/api/v1/users/me/password", json: ["current_password": goodPassword, "new_password": "weak"], headers: tokens.bearer)
            #expect(try weak.expectProblem(.unprocessableContent, "validation-failed").pointers == ["/new_password"])
            let changed = try await client.send(
                .post, "/api/v1/users/me/password", json: ["current_password": goodPassword, "new_password": "New-Password-2"], headers: tokens.bearer
            )
            #expect(changed.status == .noContent)
            try await client.refresh(tokens.refreshToken).expectProblem(.unauthorized, "unauthorized")
            try await client.me(tokens.accessToken).expectProblem(.unauthorized, "unauthorized")
            try await client.login(email: tokens.user.email).expectProblem(.unauthorized, "unauthorized")
            #expect(try await client.login(email: tokens.user.email, password: "New-Password-2").status == .ok)
        }
    }

    @Test("an admin's deactivation keeps the data and revokes sessions", arguments: TestBackend.all)
    func deactivate(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, database in
            let tokens = try await client.register()
            let admin = try await AdminTests.makeAdmin(client, database)
            let path = "/api/v1/admin/users/\(tokens.user.id)"
            #expect(try await client.send(.patch, path, json: ["active": false], headers: admin.bearer).status == .ok)
            try await client.me(tokens.accessToken).expectProblem(.unauthorized, "unauthorized")
            try await client.refresh(tokens.refreshToken).expectProblem(.unauthorized, "unauthorized")
            let stored = try #require(try await UserModel.find(UUID(uuidString: tokens.user.id), on: database.database(logger: database.logger)))
            #expect(stored.deactivatedAt != nil && stored.deletedAt == nil)
            #expect(stored.email == tokens.user.email)
        }
    }

    @Test("email verification: the link's token verifies once", arguments: TestBackend.all)
    func emailVerification(backend: TestBackend) async throws {
        let app = try await TestApp.make(backend)
        try await app.run { client, _ in
            let tokens = try await client.register()
            #expect(try await client.send(.post, "/api/v1/auth/email-verification", headers: tokens.bearer).status == .accepted)
            let message = try #require(try await app.mailer.waitForMessages(1).last)
            #expect(message.to == tokens.user.email)
            let token = try #require(message.link.components(separatedBy: "token=").last)
            #expect(try await client.send(.post, "/api/v1/auth/email-verification/confirm", json: ["token": token]).status == .noContent)
            #expect(try await client.me(tokens.accessToken).decode(UserBody.self).emailVerified)
            let again = try await client.send(.post, "/api/v1/auth/email-verification/confirm", json: ["token": token])
            #expect(try again.expectProblem(.unprocessableContent, "validation-failed").pointers == ["/token"])
        }
        #expect(!app.logs.lines.joined().contains(try #require(app.mailer.sent.last?.link.components(separatedBy: "token=").last)))
    }

    @Test("password reset: always 202, a single-use token, sessions revoked", arguments: TestBackend.all)
    func passwordReset(backend: TestBackend) async throws {
        let app = try await TestApp.make(backend)
        try await app.run { client, _ in
            let tokens = try await client.register()
            let ghost = try await client.send(.post, "/api/v1/auth/password-reset", json: ["email": uniqueEmail("ghost")])
            let real = try await client.send(.post, "/api/v1/auth/password-reset", json: ["email": tokens.user.email])
            // The same answer either way: both requests only queue the job that decides whether to send.
            #expect(ghost.status == .accepted && real.status == .accepted && ghost.text == real.text)
            let first = try #require(try await app.mailer.waitForMessages(1).last?.link.components(separatedBy: "token=").last)
            // A second request issues a new link; the first one stops working.
            #expect(try await client.send(.post, "/api/v1/auth/password-reset", json: ["email": tokens.user.email]).status == .accepted)
            let token = try #require(try await app.mailer.waitForMessages(2).last?.link.components(separatedBy: "token=").last)
            #expect(app.mailer.sent.count == 2 && app.mailer.sent.allSatisfy { $0.to == tokens.user.email })
            let stale = try await client.send(.post, "/api/v1/auth/password-reset/confirm", json: ["token": first, "new_password": "Reset-Pass-3"])
            try stale.expectProblem(.unprocessableContent, "validation-failed")
            let confirm = try await client.send(.post, "/api/v1/auth/password-reset/confirm", json: ["token": token, "new_password": "Reset-Pass-3"])
            #expect(confirm.status == .noContent)
            // A successful reset ends every session: refresh and access tokens alike.
            try await client.refresh(tokens.refreshToken).expectProblem(.unauthorized, "unauthorized")
            try await client.me(tokens.accessToken).expectProblem(.unauthorized, "unauthorized")
            #expect(try await client.login(email: tokens.user.email, password: "Reset-Pass-3").status == .ok)
            let reuse = try await client.send(.post, "/api/v1/auth/password-reset/confirm", json: ["token": token, "new_password": "Other-Pass-4"])
            try reuse.expectProblem(.unprocessableContent, "validation-failed")
        }
    }
}
