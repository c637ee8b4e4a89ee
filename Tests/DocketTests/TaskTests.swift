import FluentKit
import Foundation
import HTTPTypes
import HummingbirdTesting
import SQLKit
import Testing

@testable import Docket

@Suite("Tasks: create, read, update, delete")
struct TaskTests {
    @Test("a task goes through its whole life over HTTP", arguments: TestBackend.all)
    func lifecycle(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, database in
            let owner = try await client.register()
            let response = try await client.send(.post, "/api/v1/tasks", json: JSONObject(["title": "  Write tests  "]), headers: owner.bearer)
            #expect(response.status == .created)
            let task = try response.decode(TaskBody.self)
            #expect(response.headers[.location] == "/api/v1/tasks/\(task.id)")
            #expect(response.headers[.eTag] == "\"1\"")
            #expect(task.title == "Write tests")
            #expect(task.status == "todo" && task.priority == "medium" && task.version == 1)
            #expect(task.description == nil && task.dueDate == nil && task.completedAt == nil)
            #expect(task.userID == owner.user.id)

            let fetched = try await client.send(.get, "/api/v1/tasks/\(task.id)", headers: owner.bearer)
            #expect(fetched.status == .ok)
            #expect(fetched.headers[.eTag] == "\"1\"")
            #expect(try fetched.decode(TaskBody.self) == task)

            let patched = try await client.send(.patch, "/api/v1/tasks/\(task.id)", json: JSONObject(["priority": "high"]), headers: owner.bearer)
            #expect(patched.status == .ok)
            #expect(patched.headers[.eTag] == "\"2\"")
            #expect(try patched.decode(TaskBody.self).priority == "high")

            #expect(try await client.send(.delete, "/api/v1/tasks/\(task.id)", headers: owner.bearer).status == .noContent)
            try await client.send(.get, "/api/v1/tasks/\(task.id)", headers: owner.bearer).expectProblem(.notFound, "not-found")
            let remaining = try await database.sql(logger: database.logger).raw("SELECT COUNT(*) AS n FROM tasks").first()?.decode(
                column: "n", as: Int.self)
            #expect(remaining == 0)
        }
    }

    @Test(
        "title bounds count code points as JSON Schema does, so a title is at most 800 bytes",
        arguments: [
            ("", false), ("   ", false), ("\u{3000}\t", false), ("a", true), (String(repeating: "a", count: 200), true),
            (String(repeating: "a", count: 201), false), (String(repeating: "🙂", count: 200), true), (String(repeating: "🙂", count: 201), false),
            (String(repeating: "e\u{301}", count: 100), true), (String(repeating: "e\u{301}", count: 101), false),
            // 200 family emoji are 200 user-perceived characters but 1,400 code points and 5,000 bytes: refused.
            (String(repeating: "👩‍👩‍👧", count: 200), false), ("a\u{0}b", false),
        ])
    func titleBounds(title: String, accepted: Bool) async throws {
        try await TestApp.make(.sqlite).run { client, _ in
            let owner = try await client.register()
            let response = try await client.send(.post, "/api/v1/tasks", json: JSONObject(["title": .string(title)]), headers: owner.bearer)
            if accepted {
                #expect(response.status == .created)
                #expect(try response.decode(TaskBody.self).title == title)
            } else {
                #expect(try response.expectProblem(.unprocessableContent, "validation-failed").pointers == ["/title"])
            }
        }
    }

    @Test("description bounds, enum values, dates and unknown fields are validated", arguments: TestBackend.all)
    func fieldValidation(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let owner = try await client.register()
            func post(_ fields: [String: JSONValue]) async throws -> TestResponse {
                try await client.send(.post, "/api/v1/tasks", json: JSONObject(fields), headers: owner.bearer)
            }
            #expect(try await post(["title": "t", "description": .string(String(repeating: "d", count: 10_000))]).status == .created)
            #expect(
                try await post(["title": "t", "description": .string(String(repeating: "d", count: 10_001))])
                    .expectProblem(.unprocessableContent, "validation-failed").pointers == ["/description"])
            try await post(["title": "t", "status": "finished"]).expectProblem(.unprocessableContent, "validation-failed")
            try await post(["title": "t", "priority": "urgent"]).expectProblem(.unprocessableContent, "validation-failed")
            try await post(["title": "t", "owner": "me"]).expectProblem(.unprocessableContent, "validation-failed")
            try await post(["title": "t", "user_id": .string(UUID().uuidString)]).expectProblem(.unprocessableContent, "validation-failed")
            try await post(["title": 5]).expectProblem(.unprocessableContent, "validation-failed")
            try await post(["title": "nul\u{0}byte"]).expectProblem(.unprocessableContent, "validation-failed")
            #expect(try await post(["title": "leap", "due_date": "2024-02-29"]).status == .created)
            for bad in ["2023-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "2024-2-1", "tomorrow", "2024-02-29T00:00:00Z", "0000-01-01"] {
                let problem = try await post(["title": "t", "due_date": .string(bad)]).expectProblem(.unprocessableContent, "validation-failed")
                #expect(problem.pointers == ["/due_date"], "\(bad)")
            }
        }
    }

    @Test("merge-patch: absent keeps, null clears, non-nullable null is 422", arguments: TestBackend.all)
    func mergePatch(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let owner = try await client.register()
            let task = try await client.createTask(["title": "t", "description": "keep me", "due_date": "2030-01-02"], as: owner)
            let url = "/api/v1/tasks/\(task.id)"
            let renamed = try await client.send(.patch, url, json: JSONObject(["title": "renamed"]), headers: owner.bearer).decode(TaskBody.self)
            #expect(renamed.description == "keep me" && renamed.dueDate == "2030-01-02")
            var headers = owner.bearer
            headers[.contentType] = "application/merge-patch+json"
            let cleared = try await client.sendRaw(.patch, url, body: #"{"description":null,"due_date":null}"#, contentType: nil, headers: headers)
            #expect(cleared.status == .ok)
            let body = try cleared.decode(TaskBody.self)
            #expect(body.description == nil && body.dueDate == nil && body.title == "renamed")
            #expect(
                try await client.send(.patch, url, json: JSONObject(["title": nil]), headers: owner.bearer)
                    .expectProblem(.unprocessableContent, "validation-failed").pointers == ["/title"])
            try await client.send(.patch, url, json: JSONObject(["colour": "red"]), headers: owner.bearer).expectProblem(
                .unprocessableContent, "validation-failed")
            let unchanged = try await client.send(.patch, url, json: JSONObject([:]), headers: owner.bearer).decode(TaskBody.self)
            #expect(unchanged.version == body.version)
        }
    }

    @Test("completed_at is set on done and cleared when leaving done", arguments: TestBackend.all)
    func completion(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let owner = try await client.register()
            let task = try await client.createTask(["title": "t"], as: owner)
            let url = "/api/v1/tasks/\(task.id)"
            let done = try await client.send(.patch, url, json: JSONObject(["status": "done"]), headers: owner.bearer).decode(TaskBody.self)
            #expect(done.completedAt != nil)
            let still = try await client.send(.patch, url, json: JSONObject(["status": "done", "title": "t2"]), headers: owner.bearer).decode(
                TaskBody.self)
            #expect(still.completedAt == done.completedAt)
            let reopened = try await client.send(.patch, url, json: JSONObject(["status": "in_progress"]), headers: owner.bearer).decode(
                TaskBody.self)
            #expect(reopened.completedAt == nil)
            #expect(reopened.version == 4)
            let createdDone = try await client.createTask(["title": "already", "status": "done"], as: owner)
            #expect(createdDone.completedAt != nil)
        }
    }

    @Test("ETags: If-None-Match gives 304; a stale If-Match gives 412 and changes nothing", arguments: TestBackend.all)
    func etags(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let owner = try await client.register()
            let task = try await client.createTask(["title": "t"], as: owner)
            let url = "/api/v1/tasks/\(task.id)"
            var conditional = owner.bearer
            conditional[.ifNoneMatch] = "\"1\""
            let notModified = try await client.send(.get, url, headers: conditional)
            #expect(notModified.status == .notModified)
            #expect(notModified.body.readableBytes == 0)

            var ifMatch = owner.bearer
            ifMatch[.ifMatch] = "\"1\""
            #expect(try await client.send(.patch, url, json: JSONObject(["title": "v2"]), headers: ifMatch).status == .ok)
            try await client.send(.patch, url, json: JSONObject(["title": "lost update"]), headers: ifMatch).expectProblem(
                .preconditionFailed, "precondition-failed")
            #expect(try await client.send(.get, url, headers: owner.bearer).decode(TaskBody.self).title == "v2")
            #expect(try await client.send(.get, url, headers: conditional).status == .ok)
            try await client.send(.delete, url, headers: ifMatch).expectProblem(.preconditionFailed, "precondition-failed")
            ifMatch[.ifMatch] = "\"2\""
            #expect(try await client.send(.delete, url, headers: ifMatch).status == .noContent)
        }
    }

    @Test("Idempotency-Key replays the first answer, refuses a different body, and is per user", arguments: TestBackend.all)
    func idempotency(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, database in
            let owner = try await client.register()
            let other = try await client.register()
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "create-42"]
            let first = try await client.createTask(["title": "once", "priority": "high"], as: owner, headers: key)
            let replay = try await client.createTask(["priority": "high", "title": "once"], as: owner, headers: key)
            #expect(replay == first)
            var headers = owner.bearer
            headers.append(contentsOf: key)
            let mismatch = try await client.send(.post, "/api/v1/tasks", json: JSONObject(["title": "different"]), headers: headers)
            try mismatch.expectProblem(.unprocessableContent, "validation-failed")
            let theirs = try await client.createTask(["title": "once", "priority": "high"], as: other, headers: key)
            #expect(theirs.id != first.id)
            let count = try await database.sql(logger: database.logger).raw("SELECT COUNT(*) AS n FROM tasks").first()?.decode(
                column: "n", as: Int.self)
            #expect(count == 2)
        }
    }

    @Test("concurrent creates with one Idempotency-Key make exactly one task", arguments: TestBackend.all)
    func idempotencyRace(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, database in
            let owner = try await client.register()
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "race"]
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 { group.addTask { try await client.createTask(["title": "raced"], as: owner, headers: key).id } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(ids.count == 1)
            let count = try await database.sql(logger: database.logger).raw("SELECT COUNT(*) AS n FROM tasks").first()?.decode(
                column: "n", as: Int.self)
            #expect(count == 1)
        }
    }

    @Test("concurrent patches without If-Match all land (no lost version)", arguments: TestBackend.all)
    func concurrentPatches(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let owner = try await client.register()
            let task = try await client.createTask(["title": "t"], as: owner)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<10 {
                    group.addTask {
                        let response = try await client.send(
                            .patch, "/api/v1/tasks/\(task.id)", json: JSONObject(["title": .string("v\(index)")]), headers: owner.bearer)
                        #expect(response.status == .ok)
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await client.send(.get, "/api/v1/tasks/\(task.id)", headers: owner.bearer).decode(TaskBody.self).version == 11)
        }
    }
}
