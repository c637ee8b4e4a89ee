import FluentKit
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Docket

@Suite("Tasks are isolated per user")
struct TaskIsolationTests {
    @Test("user B gets 403 on every endpoint for A's task, A's task is untouched, and each try is audited", arguments: TestBackend.all)
    func isolationMatrix(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, database in
            let alice = try await client.register()
            let bob = try await client.register()
            let task = try await client.createTask(["title": "alice's secret", "description": "private"], as: alice)
            let url = "/api/v1/tasks/\(task.id)"
            try await client.send(.get, url, headers: bob.bearer).expectProblem(.forbidden, "forbidden")
            try await client.send(.patch, url, json: JSONObject(["title": "pwned"]), headers: bob.bearer).expectProblem(.forbidden, "forbidden")
            var ifMatch = bob.bearer
            ifMatch[.ifMatch] = "*"
            try await client.send(.patch, url, json: JSONObject(["status": "done"]), headers: ifMatch).expectProblem(.forbidden, "forbidden")
            try await client.send(.delete, url, headers: bob.bearer).expectProblem(.forbidden, "forbidden")
            try await client.send(.delete, url, headers: ifMatch).expectProblem(.forbidden, "forbidden")

            let unchanged = try await client.send(.get, url, headers: alice.bearer).decode(TaskBody.self)
            #expect(unchanged == task)
            let bobsList = try await client.listTasks("limit=100", as: bob).decode(TaskPageBody.self)
            #expect(bobsList.items.isEmpty)
            let bobsSearch = try await client.listTasks("q=secret&include_total=true", as: bob).decode(TaskPageBody.self)
            #expect(bobsSearch.items.isEmpty && bobsSearch.total == 0)
            let audits = try await AuditEventModel.query(on: database.database(logger: database.logger))
                .filter(\.$eventType == "cross_user_access").all()
            #expect(audits.count == 5)
            #expect(audits.allSatisfy { $0.userID?.uuidString.lowercased() == bob.user.id && $0.details?.contains(task.id) == true })
        }
    }

    @Test("an id that exists nowhere is 404 and a malformed id is 400", arguments: TestBackend.all)
    func missingAndMalformed(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let owner = try await client.register()
            let nowhere = "/api/v1/tasks/\(UUID().uuidString)"
            try await client.send(.get, nowhere, headers: owner.bearer).expectProblem(.notFound, "not-found")
            try await client.send(.patch, nowhere, json: JSONObject(["title": "x"]), headers: owner.bearer).expectProblem(.notFound, "not-found")
            try await client.send(.delete, nowhere, headers: owner.bearer).expectProblem(.notFound, "not-found")
            for bad in ["not-a-uuid", "1", "%27%20OR%201%3D1", "00000000-0000-0000-0000-00000000000g"] {
                let response = try await client.send(.get, "/api/v1/tasks/\(bad)", headers: owner.bearer)
                try response.expectProblem(.badRequest, "bad-request")
            }
        }
    }

    @Test("task endpoints need a token")
    func needsToken() async throws {
        try await TestApp.make(.sqlite).run { client, _ in
            try await client.send(.get, "/api/v1/tasks").expectProblem(.unauthorized, "unauthorized")
            try await client.send(.post, "/api/v1/tasks", json: JSONObject(["title": "x"])).expectProblem(.unauthorized, "unauthorized")
            try await client.send(.get, "/api/v1/tasks/\(UUID().uuidString)").expectProblem(.unauthorized, "unauthorized")
        }
    }
}
