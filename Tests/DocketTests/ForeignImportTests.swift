import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Docket

/// A lenient import's job, as the client reads it.
struct LenientImportJob: Decodable {
    let state: String
    let result: Outcome?

    struct Outcome: Decodable {
        let imported: Int
        let skipped: [ImportProblem]?
        let notes: [ImportProblem]?
        let skippedCount: Int?

        enum CodingKeys: String, CodingKey {
            case imported, skipped, notes
            case skippedCount = "skipped_count"
        }
    }
}

@Suite("Imports from other tools: Todoist's CSV and Docket's own export, row by row")
struct ForeignImportTests {
    @Test(
        "a Todoist CSV export: tasks imported with their priority and date; sections and notes left out; a bad row reported, not fatal",
        arguments: TestBackend.all)
    func todoist(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let owner = try await client.register()
            let csv = """
                TYPE,CONTENT,DESCRIPTION,PRIORITY,INDENT,AUTHOR,RESPONSIBLE,DATE,DATE_LANG,TIMEZONE,DURATION,DURATION_UNIT
                section,Groceries,,,,,,,,,,
                task,Buy milk,2 litres,1,1,Ada (1),,2026-12-24,en,Europe/London,,
                task,Water plants,,4,1,Ada (1),,every monday,en,Europe/London,,
                note,remember the blue can,,,,,,,,,,
                task,,,2,1,Ada (1),,,,,,
                task,"Call Bob, about ""it\""",,3,1,Ada (1),,2026-12-31T09:00,en,Europe/London,,

                """
            let job = try await Self.importJob(["todoist_csv": csv], as: owner, client)
            #expect(job.state == "succeeded")
            #expect(job.result?.imported == 3)
            #expect(job.result?.skipped?.map(\.source) == ["/todoist_csv/line 6"])
            #expect(job.result?.skipped?.first?.problems.first?.hasPrefix("title") == true)
            #expect(job.result?.notes?.map(\.source) == ["/todoist_csv/line 4"])
            let tasks = try await client.walkTasks("limit=100&sort=created_at&order=asc", as: owner)
            #expect(tasks.map(\.title) == ["Buy milk", "Water plants", #"Call Bob, about "it""#])
            #expect(tasks.map(\.priority) == ["high", "medium", "low"])
            #expect(tasks.map(\.dueDate) == ["2026-12-24", nil, "2026-12-31"])
            #expect(tasks.first?.description == "2 litres")

            let notTodoist = try await client.send(.post, "/api/v1/tasks/import", json: ["todoist_csv": "title\nx"], headers: owner.bearer)
            #expect(try notTodoist.expectProblem(.unprocessableContent, "validation-failed").pointers == ["/todoist_csv"])
            let nothingLeft = try await client.send(
                .post, "/api/v1/tasks/import", json: ["todoist_csv": "TYPE,CONTENT\ntask,\n"], headers: owner.bearer)
            #expect(try nothingLeft.expectProblem(.unprocessableContent, "validation-failed").pointers.contains("/todoist_csv"))
        }
    }

    @Test(
        "a file with thousands of bad lines gets a reply listing the first 100 problems and counting the rest",
        arguments: TestBackend.all)
    func problemListsAreCapped(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let owner = try await client.register()
            let badLines = String(repeating: "x,too,many,cells\n", count: 3_000)
            let strict = try await client.send(
                .post, "/api/v1/tasks/import", json: ["csv": "title,description\n" + badLines], headers: owner.bearer)
            let problem = try strict.expectProblem(.unprocessableContent, "validation-failed")
            #expect(problem.errors?.count == TaskImport.maxListedProblems + 1)
            #expect(problem.errors?.last?.message == "and 2900 more problems not listed")

            let header = "TYPE,CONTENT,DESCRIPTION,PRIORITY,INDENT,AUTHOR,RESPONSIBLE,DATE,DATE_LANG,TIMEZONE,DURATION,DURATION_UNIT\n"
            let untitled = String(repeating: "task,,,2,1,Ada (1),,,,,,\n", count: 2_000)
            let job = try await Self.importJob(["todoist_csv": header + "task,Kept,,1,1,Ada (1),,,,,,\n" + untitled], as: owner, client)
            #expect(job.state == "succeeded")
            #expect(job.result?.imported == 1)
            #expect(job.result?.skipped?.count == TaskImport.maxListedProblems)
            #expect(job.result?.skippedCount == 2_000)
        }
    }

    @Test(
        "tasks listed from one account, imported as a Docket export into another, are the same tasks; a broken one is reported",
        arguments: TestBackend.all)
    func docketExportRoundTrip(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let source = try await client.register()
            _ = try await client.createTask(["title": "plain"], as: source)
            _ = try await client.createTask(
                ["title": "full ✓", "description": "with\nlines", "priority": "high", "due_date": "2027-02-28", "status": "in_progress"], as: source)
            let done = try await client.createTask(["title": "finished", "priority": "low"], as: source)
            #expect(try await client.send(.patch, "/api/v1/tasks/\(done.id)", json: ["status": "done"], headers: source.bearer).status == .ok)
            let original = try await client.walkTasks("limit=100&sort=created_at&order=asc", as: source)

            // The tasks as the API wrote them (every field), plus one that breaks the title rule.
            let listed = try await client.send(.get, "/api/v1/tasks?limit=100&sort=created_at&order=asc", headers: source.bearer)
            var document = try #require(try JSONSerialization.jsonObject(with: Data(listed.text.utf8)) as? [String: Any])
            var items = try #require(document["items"] as? [[String: Any]])
            items.append(["title": String(repeating: "x", count: 300), "status": "todo"])
            document = ["format": "docket-export", "tasks": items]
            let body = String(decoding: try JSONSerialization.data(withJSONObject: ["docket_export": document]), as: UTF8.self)

            let target = try await client.register()
            let queued = try await client.startJob("/api/v1/tasks/import", body: body, headers: target.bearer)
            let job = try await Self.finished(queued.id, as: target, client)
            #expect(job.result?.imported == 3)
            #expect(job.result?.skipped?.map(\.source) == ["/docket_export/tasks/3"])
            let copied = try await client.walkTasks("limit=100&sort=created_at&order=asc", as: target)
            let shape = { (task: TaskBody) in [task.title, task.description ?? "-", task.status, task.priority, task.dueDate ?? "-"] }
            #expect(copied.map(shape) == original.map(shape))
            #expect(copied.allSatisfy { $0.userID == target.user.id })
        }
    }

    private static func importJob(_ body: [String: String], as owner: TokenPairBody, _ client: some TestClientProtocol) async throws
        -> LenientImportJob
    {
        let queued = try await client.startJob(
            "/api/v1/tasks/import", body: String(decoding: try JSONEncoder().encode(body), as: UTF8.self), headers: owner.bearer)
        return try await finished(queued.id, as: owner, client)
    }

    static func finished(_ id: String, as owner: TokenPairBody, _ client: some TestClientProtocol) async throws -> LenientImportJob {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            let response = try await client.send(.get, "/api/v1/jobs/\(id)", headers: owner.bearer)
            if response.status == .serviceUnavailable, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
                continue
            }
            let job = try response.decode(LenientImportJob.self)
            if job.state != "queued" && job.state != "running" || ContinuousClock.now > deadline { return job }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
