import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import Yams

@testable import Docket
@testable import DocketAPI

@Suite("The contract says exactly what the server does, and errors teach")
struct ContractRulesTests {
    @Test("the server's own text rules are the patterns openapi.yaml declares")
    func patternsMatchTheContract() throws {
        let document = try #require(try Yams.load(yaml: String(decoding: try OpenAPIDocument.load(), as: UTF8.self)) as? [String: Any])
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        func pattern(_ name: String) -> String? { (schemas[name] as? [String: Any])?["pattern"] as? String }
        #expect(pattern("EmailAddress") == TextPatterns.email)
        #expect(pattern("NewPassword") == TextPatterns.password)
        #expect(pattern("DisplayName") == TextPatterns.name)
        #expect(pattern("TaskTitle") == TextPatterns.title)
        #expect(pattern("TaskDescription") == TextPatterns.description)
    }

    @Test("a 422 lists every invalid field at once, with its pointer and an enum's allowed values", arguments: TestBackend.all)
    func everyFieldAtOnce(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, database in
            let owner = try await client.register()
            let response = try await client.sendRaw(
                .post, "/api/v1/tasks",
                body: #"{"title": "  ", "status": "archived", "priority": "urgent", "due_date": "2030-02-30", "colour": "red"}"#,
                headers: owner.bearer)
            let problem = try response.expectProblem(.unprocessableContent, "validation-failed")
            #expect(problem.pointers == ["/colour", "/due_date", "/priority", "/status", "/title"])
            let messages = Dictionary(uniqueKeysWithValues: (problem.errors ?? []).map { ($0.pointer, $0.message) })
            #expect(messages["/status"] == "must be one of todo, in_progress, done")
            #expect(messages["/priority"] == "must be one of low, medium, high")
            #expect(messages["/colour"] == "is not a known field")
            #expect(messages["/due_date"] == "must be a calendar date written YYYY-MM-DD")
            #expect(messages["/title"]?.contains("not only white space") == true)
            #expect(try await client.listTasks("limit=5", as: owner).decode(TaskPageBody.self).items.isEmpty)
            _ = database
        }
    }

    @Test("a bad parameter is a 400 that names it and what it accepts")
    func parametersTeach() async throws {
        try await TestApp.make(.sqlite).run { client, _ in
            let owner = try await client.register()
            let status = try await client.listTasks("status=archived", as: owner).expectProblem(.badRequest, "bad-request")
            #expect(status.detail == "status must be one of todo, in_progress, done.")
            #expect(status.pointers == ["#/query/status"])
            let both = try await client.listTasks("limit=abc&sort=colour", as: owner).expectProblem(.badRequest, "bad-request")
            #expect(both.pointers == ["#/query/limit", "#/query/sort"])
            #expect(both.detail?.contains("limit must be an integer") == true)
            let id = try await client.send(.get, "/api/v1/tasks/not-a-uuid", headers: owner.bearer).expectProblem(.badRequest, "bad-request")
            #expect(id.detail == "id must be a UUID.")
            var headers = owner.bearer
            headers[HTTPField.Name("Idempotency-Key")!] = "has space"
            let key = try await client.send(.post, "/api/v1/tasks", json: ["title": "x"], headers: headers)
            #expect(try key.expectProblem(.badRequest, "bad-request").pointers == ["#/header/idempotency-key"])
        }
    }

    @Test("an import holds exactly one of tasks and csv, as the contract says")
    func importShape() async throws {
        try await TestApp.make(.sqlite).run { client, _ in
            let owner = try await client.register()
            for body in [#"{}"#, #"{"tasks": [{"title": "a"}], "csv": "title\nb"}"#] {
                let response = try await client.sendRaw(.post, "/api/v1/tasks/import", body: body, headers: owner.bearer)
                try response.expectProblem(.unprocessableContent, "validation-failed")
            }
        }
    }

    @Test("JSON object keys come out in one stable (sorted) order, in answers and in problems")
    func stableKeyOrder() async throws {
        try await TestApp.make(.sqlite).run { client, _ in
            for _ in 0..<5 {
                let body = try await client.send(
                    .post, "/api/v1/auth/register", json: ["email": uniqueEmail(), "password": goodPassword, "name": "Keys"]
                ).text
                #expect(Self.keys(body) == ["access_token", "expires_in", "refresh_token", "token_type", "user"])
                let problem = try await client.send(.get, "/api/v1/users/me").text
                #expect(Self.keys(problem) == Self.keys(problem).sorted())
            }
        }
    }

    /// The top-level keys of a JSON object, in the order they were written.
    static func keys(_ json: String) -> [String] {
        var keys: [String] = []
        var depth = 0
        var index = json.startIndex
        while index < json.endIndex {
            let character = json[index]
            if character == "{" || character == "[" { depth += 1 }
            if character == "}" || character == "]" { depth -= 1 }
            if character == "\"" {
                let start = json.index(after: index)
                var end = start
                while json[end] != "\"" { end = json.index(end, offsetBy: json[end] == "\\" ? 2 : 1) }
                let next = json[json.index(after: end)...].drop { $0 == " " }.first
                if depth == 1 && next == ":" { keys.append(String(json[start..<end])) }
                index = end
            }
            index = json.index(after: index)
        }
        return keys
    }
}
