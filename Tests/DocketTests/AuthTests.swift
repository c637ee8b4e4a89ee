import FluentKit
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Docket

@Suite("Registration and sign-in")
struct AuthTests {
    @Test("register creates a normalised account, stores only an Argon2id hash and signs in", arguments: TestBackend.all)
    func register(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, database in
            let email = uniqueEmail("Mixed")
            let tokens = try await client.register(email: email.uppercased(), name: "  Ada  ")
            #expect(tokens.user.email == email.lowercased())
            #expect(tokens.user.name == "Ada")
            #expect(tokens.user.role == "user")
            #expect(tokens.tokenType == "Bearer")
            #expect(tokens.expiresIn == 900)
            #expect(!tokens.user.emailVerified)
            let stored = try #require(
                try await UserModel.query(on: database.database(logger: database.logger)).filter(\.$email == email.lowercased()).first())
            #expect(stored.passwordHash.hasPrefix("$argon2id$v=19$"))
            #expect(!stored.passwordHash.contains(goodPassword))
            let me = try await client.me(tokens.accessToken)
            #expect(me.status == .ok)
            #expect(try me.decode(UserBody.self) == tokens.user)
        }
    }

    @Test("registering a taken email (in any case) is a 409 problem", arguments: TestBackend.all)
    func duplicate(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let email = uniqueEmail()
            _ = try await client.register(email: email)
            let again = try await client.send(
                .post, "/api/v1/auth/register", json: ["email": email.uppercased(), "password": goodPassword, "name": "B"])
            try again.expectProblem(.conflict, "conflict")
        }
    }

    @Test("invalid fields get one 422 entry each", arguments: TestBackend.all)
    func invalidFields(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, database in
            let response = try await client.send(.post, "/api/v1/auth/register", json: ["email": "not-an-email", "password": "short", "name": "   "])
            let problem = try response.expectProblem(.unprocessableContent, "validation-failed")
            #expect(problem.pointers == ["/email", "/name", "/password"])
            #expect(try await UserModel.query(on: database.database(logger: database.logger)).count() == 0)
        }
    }

    @Test(
        "password rules: 8–128 characters with upper, lower and digit",
        arguments: [
            ("Short1A", false), ("alllowercase1", false), ("ALLUPPERCASE1", false), ("NoDigitsHere", false),
            ("Abcdefg1", true), (String(repeating: "Aa1", count: 42) + "Aa", true), (String(repeating: "Aa1", count: 43), false),
        ])
    func passwordRules(password: String, accepted: Bool) async throws {
        try await TestApp.make(.sqlite).run { client, _ in
            let response = try await client.send(.post, "/api/v1/auth/register", json: ["email": uniqueEmail(), "password": password, "name": "P"])
            #expect(response.status == (accepted ? .created : .unprocessableContent))
        }
    }

    @Test("unknown fields and wrong types are 422, missing fields name the field", arguments: TestBackend.all)
    func shapeErrors(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let extra = try await client.sendRaw(
                .post, "/api/v1/auth/register", body: #"{"email":"a@b.co","password":"Abcdefg1","name":"n","admin":true}"#)
            try extra.expectProblem(.unprocessableContent, "validation-failed")
            let wrongType = try await client.sendRaw(.post, "/api/v1/auth/register", body: #"{"email":5,"password":"Abcdefg1","name":"n"}"#)
            #expect(try wrongType.expectProblem(.unprocessableContent, "validation-failed").pointers == ["/email"])
            let missing = try await client.sendRaw(.post, "/api/v1/auth/register", body: #"{"email":"a@b.co","name":"n"}"#)
            #expect(try missing.expectProblem(.unprocessableContent, "validation-failed").pointers == ["/password"])
        }
    }

    @Test("unknown email and wrong password get the same 401", arguments: TestBackend.all)
    func enumerationResistance(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let tokens = try await client.register()
            let wrongPassword = try await client.login(email: tokens.user.email, password: "Wrong-Password-1")
            let unknownEmail = try await client.login(email: uniqueEmail("nobody"), password: "Wrong-Password-1")
            let a = try wrongPassword.expectProblem(.unauthorized, "unauthorized")
            let b = try unknownEmail.expectProblem(.unauthorized, "unauthorized")
            #expect(a.detail == b.detail)
            #expect(a.title == b.title)
            #expect(wrongPassword.headers[.wwwAuthenticate] == unknownEmail.headers[.wwwAuthenticate])
            #expect(try await client.login(email: tokens.user.email.uppercased()).status == .ok)
        }
    }

    @Test("a deactivated account's own 401 appears only after the password checked out", arguments: TestBackend.all)
    func deactivatedLogin(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, database in
            let tokens = try await client.register()
            let admin = try await AdminTests.makeAdmin(client, database)
            let path = "/api/v1/admin/users/\(tokens.user.id)"
            #expect(try await client.send(.patch, path, json: ["active": false], headers: admin.bearer).status == .ok)
            let right = try await client.login(email: tokens.user.email).expectProblem(.unauthorized, "unauthorized")
            let wrong = try await client.login(email: tokens.user.email, password: "Wrong-Password-1").expectProblem(.unauthorized, "unauthorized")
            #expect(right.detail?.contains("deactivated") == true)
            #expect(wrong.detail?.contains("deactivated") == false)
        }
    }

    @Test("a login with old Argon2 parameters upgrades the stored hash", arguments: TestBackend.all)
    func hashUpgrade(backend: TestBackend) async throws {
        let old = try await TestApp.make(backend)
        let email = uniqueEmail()
        try await old.run { client, _ in _ = try await client.register(email: email) }
        var upgraded = old
        upgraded.config.auth.argon2 = Argon2Parameters(memoryKiB: 2048, iterations: 2, parallelism: 1)
        upgraded.config.autoMigrate = false
        try await upgraded.run { client, database in
            #expect(try await client.login(email: email).status == .ok)
            let user = try #require(try await UserModel.query(on: database.database(logger: database.logger)).filter(\.$email == email).first())
            #expect(user.passwordHash.hasPrefix("$argon2id$v=19$m=2048,t=2,p=1$"))
            #expect(try await client.login(email: email).status == .ok)
        }
    }

    @Test("the default Argon2id parameters are OWASP's")
    func owaspDefaults() throws {
        let hash = try PasswordHasher.hashNow("Abcdefg1", parameters: AuthSettings().argon2)
        #expect(hash.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"))
    }
}
