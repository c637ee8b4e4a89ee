import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Docket

@Suite("Problem details for every client error")
struct ProblemTests {
    @Test("unknown route is a 404 problem with instance and request_id", arguments: TestBackend.all)
    func notFound(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let problem = try await client.send(.get, "/nope").expectProblem(.notFound, "not-found")
            #expect(problem.instance == "/nope")
        }
    }

    @Test("a known route with the wrong method is a 405 problem with Allow")
    func methodNotAllowed() async throws {
        try await TestApp.make(.sqlite).run { client, _ in
            let response = try await client.send(.get, "/api/v1/auth/login")
            try response.expectProblem(.methodNotAllowed, "method-not-allowed")
            #expect(response.headers[.allow] == "POST")
            let literal = try await client.send(.put, "/api/v1/tasks/import")
            try literal.expectProblem(.methodNotAllowed, "method-not-allowed")
            #expect(literal.headers[.allow] == "POST", "the literal path's methods, not those of /api/v1/tasks/{id}")
            let me = try await client.send(.put, "/api/v1/users/me")
            try me.expectProblem(.methodNotAllowed, "method-not-allowed")
            #expect(me.headers[.allow]?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.sorted() == ["DELETE", "GET", "PATCH"])
        }
    }

    @Test("malformed JSON is a 400 problem", arguments: ["{", "{\"email\":", "nul", "[1,2", "\u{0}"])
    func malformedJSON(body: String) async throws {
        try await TestApp.make(.sqlite).run { client, _ in
            try await client.sendRaw(.post, "/api/v1/auth/login", body: body).expectProblem(.badRequest, "bad-request")
        }
    }

    @Test("a wrong content type is a 415 problem", arguments: ["text/plain", "application/xml", "application/x-www-form-urlencoded"])
    func unsupportedMediaType(contentType: String) async throws {
        try await TestApp.make(.sqlite).run { client, _ in
            let response = try await client.sendRaw(
                .post, "/api/v1/auth/login", body: #"{"email":"a@b.co","password":"x"}"#, contentType: contentType)
            try response.expectProblem(.unsupportedMediaType, "unsupported-media-type")
        }
    }

    @Test("a body over the limit is a 413 problem, declared or chunked")
    func payloadTooLarge() async throws {
        try await TestApp.make(.sqlite) { $0.maxBodyBytes = 1024 }.run { client, _ in
            let big = #"{"email":"a@b.co","password":""# + String(repeating: "x", count: 2000) + #""}"#
            try await client.sendRaw(.post, "/api/v1/auth/login", body: big).expectProblem(.contentTooLarge, "payload-too-large")
            let small = #"{"email":"a@b.co","password":"Wrong-Pass-1"}"#
            #expect(try await client.sendRaw(.post, "/api/v1/auth/login", body: small).status == .unauthorized)
        }
    }

    @Test("an empty or missing body on a JSON endpoint is a client error, never a 500")
    func emptyBody() async throws {
        try await TestApp.make(.sqlite).run { client, _ in
            let empty = try await client.sendRaw(.post, "/api/v1/auth/login", body: "")
            #expect((400..<500).contains(empty.status.code))
            #expect(empty.headers[.contentType] == "application/problem+json")
            let none = try await client.executeRequest(uri: "/api/v1/auth/login", method: .post, headers: [:], body: nil)
            #expect((400..<500).contains(none.status.code))
            #expect(none.headers[.contentType] == "application/problem+json")
        }
    }

    @Test("an unexpected failure is a 500 problem that reveals nothing and logs the cause")
    func internalError() async throws {
        let app = try await TestApp.make(.sqlite)
        try await app.run { client, database in
            // Break storage underneath the server: the next registration cannot be written.
            try await database.sql(logger: database.logger).raw("DROP TABLE audit_events").run()
            try await database.sql(logger: database.logger).raw("DROP TABLE refresh_tokens").run()
            let response = try await client.send(
                .post, "/api/v1/auth/register", json: ["email": uniqueEmail(), "password": goodPassword, "name": "X"])
            let problem = try response.expectProblem(.internalServerError, "internal")
            #expect(problem.detail?.contains("refresh_tokens") == false)
            #expect(!response.text.lowercased().contains("sqlite"))
        }
        #expect(app.logs.lines.contains { $0.contains("\"level\":\"error\"") && $0.contains("request failed") })
    }
}
