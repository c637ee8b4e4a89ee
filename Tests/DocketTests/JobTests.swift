import FluentKit
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import SQLKit
import Testing

@testable import Docket

@Suite("Jobs over HTTP: imports and bulk updates")
struct JobTests {
    @Test("a CSV import and a bulk update run as jobs, report progress and results, and change exactly what they say", arguments: TestBackend.all)
    func importThenBulkUpdate(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, database in
            let owner = try await client.register()
            var csv = "title,priority,due_date,status\n\"Quoted, with comma\",high,2026-01-31,todo\n"
            for index in 1..<250 { csv += "Task \(index),\(index % 2 == 0 ? "low" : "medium"),,\(index % 5 == 0 ? "done" : "todo")\n" }
            let body = String(decoding: try JSONEncoder().encode(["csv": csv]), as: UTF8.self)
            let queued = try await client.startJob("/api/v1/tasks/import", body: body, headers: owner.bearer)
            #expect(queued.kind == "import_tasks" && queued.state == "queued")
            let imported = try await client.finishedJob(queued.id, headers: owner.bearer)
            #expect(imported.state == "succeeded" && imported.result == ["imported": 250])
            #expect(imported.progress.done == 250 && imported.progress.total == 250)
            let page = try await client.listTasks("limit=1&include_total=true&order=asc", as: owner).decode(TaskPageBody.self)
            #expect(page.total == 250 && page.items.first?.title == "Quoted, with comma" && page.items.first?.dueDate == "2026-01-31")

            let update = #"{"filter":{"status":["todo"]},"set_status":"done","shift_due_days":-31}"#
            let bulk = try await client.startJob("/api/v1/tasks/bulk-update", body: update, headers: owner.bearer)
            let done = try await client.finishedJob(bulk.id, headers: owner.bearer)
            #expect(done.state == "succeeded" && done.result == ["matched": 201, "updated": 201])
            let sql = database.sql(logger: database.logger)
            let counts = try await sql.raw("SELECT status, COUNT(*) AS n, MAX(version) AS v FROM tasks GROUP BY status").all()
            #expect(counts.count == 1)
            #expect(try counts.first?.decode(column: "n", as: Int.self) == 250)
            #expect(try counts.first?.decode(column: "v", as: Int.self) == 2)
            let moved = try await client.listTasks("q=Quoted", as: owner).decode(TaskPageBody.self).items.first
            #expect(moved?.dueDate == "2025-12-31" && moved?.status == "done")

            let listed = try await client.send(.get, "/api/v1/jobs", headers: owner.bearer).decode(JobListBody.self)
            #expect(listed.items.map(\.id) == [bulk.id, queued.id])
            #expect(try await client.send(.get, "/api/v1/jobs?state=failed", headers: owner.bearer).decode(JobListBody.self).items.isEmpty)
        }
    }

    @Test("bad job requests are 422 or 400 problems; another user's job is a 404; scopes apply", arguments: TestBackend.all)
    func refusals(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let owner = try await client.register()
            let bad: [(String, String)] = [
                ("/api/v1/tasks/bulk-update", "{}"), ("/api/v1/tasks/bulk-update", #"{"set_status":null}"#),
                ("/api/v1/tasks/bulk-update", #"{"shift_due_days":99999}"#),
                ("/api/v1/tasks/bulk-update", #"{"set_priority":"high","filter":{"due_before":"2026-02-30"}}"#),
                ("/api/v1/tasks/import", "{}"), ("/api/v1/tasks/import", #"{"tasks":[{"title":"a"}],"csv":"title\nb"}"#),
                ("/api/v1/tasks/import", #"{"tasks":[{"title":" "},{"title":"ok","due_date":"2026-13-01"}]}"#),
                ("/api/v1/tasks/import", #"{"csv":"name\nx"}"#), ("/api/v1/tasks/import", #"{"csv":"title,status\nx,later"}"#),
                ("/api/v1/tasks/import", #"{"csv":"title\n\"open"}"#), ("/api/v1/tasks/import", #"{"csv":"title,priority\nonly one cell"}"#),
                ("/api/v1/tasks/bulk-update", #"{"set_priority":"low","filter":{"due_before":null}}"#),
                ("/api/v1/tasks/bulk-update", #"{"set_priority":"low","filter":{"status":["todo","todo","done","done"]}}"#),
                ("/api/v1/tasks/import", #"{"tasks":[{"title":"a","status":null}]}"#),
                ("/api/v1/tasks/bulk-update", #"{"set_priority":"low","filter":{"q":"a\u0000b"}}"#),
            ]
            for (path, body) in bad {
                let response = try await client.sendRaw(.post, path, body: body, headers: owner.bearer)
                #expect([.badRequest, .unprocessableContent].contains(response.status), "\(path) \(body): \(response.status)")
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            #expect(try await client.send(.get, "/api/v1/jobs", headers: owner.bearer).decode(JobListBody.self).items.isEmpty)

            let job = try await client.startJob(
                "/api/v1/tasks/import", body: #"{"tasks":[{"title":"one","description":null}]}"#, headers: owner.bearer)
            let other = try await client.register()
            try await client.send(.get, "/api/v1/jobs/\(job.id)", headers: other.bearer).expectProblem(.notFound, "not-found")
            try await client.send(.post, "/api/v1/jobs/\(job.id)/cancel", headers: other.bearer).expectProblem(.notFound, "not-found")
            try await client.send(.get, "/api/v1/jobs/nope", headers: owner.bearer).expectProblem(.badRequest, "bad-request")

            let reader = try await client.createAccessToken(["tasks:read"], as: owner)
            #expect(try await client.send(.get, "/api/v1/jobs/\(job.id)", headers: reader.bearer).status == .ok)
            try await client.sendRaw(.post, "/api/v1/tasks/bulk-update", body: #"{"set_priority":"low"}"#, headers: reader.bearer)
                .expectProblem(.forbidden, "forbidden")
            let finished = try await client.finishedJob(job.id, headers: owner.bearer)
            #expect(finished.state == "succeeded")
            try await client.send(.post, "/api/v1/jobs/\(job.id)/cancel", headers: owner.bearer).expectProblem(.conflict, "conflict")
            try await client.send(.post, "/api/v1/jobs/\(job.id)/retry", headers: owner.bearer).expectProblem(.conflict, "conflict")
        }
    }
}
