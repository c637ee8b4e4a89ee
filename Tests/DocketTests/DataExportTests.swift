import Foundation
import HTTPTypes
import HummingbirdTesting
import SQLKit
import Testing

@testable import Docket

@Suite("Data export: a saga builds the archive, mails a signed single-use link and announces it")
struct DataExportTests {
    @Test("export, download once through the emailed link, import into a new account: the same tasks", arguments: TestBackend.all)
    func roundTrip(backend: TestBackend) async throws {
        let app = try await TestApp.make(backend)
        try await app.run { client, database in
            let user = try await client.register()
            _ = try await client.createTask(["title": "plain"], as: user)
            _ = try await client.createTask(
                ["title": #"quote " and, comma"#, "description": "two\nlines", "priority": "high", "due_date": "2027-01-15"], as: user)
            let done = try await client.createTask(["title": "done one", "priority": "low"], as: user)
            #expect(try await client.send(.patch, "/api/v1/tasks/\(done.id)", json: ["status": "done"], headers: user.bearer).status == .ok)
            // Fields set and then cleared (their events say `"to": null`), a deleted task and a renamed account: the
            // document holds every kind of change, and still goes back in.
            let cleared = try await client.createTask(["title": "cleared", "description": "soon gone", "due_date": "2027-02-01"], as: user)
            let clearing = try await client.send(
                .patch, "/api/v1/tasks/\(cleared.id)", json: JSONObject(["description": nil, "due_date": nil]), headers: user.bearer)
            #expect(clearing.status == .ok)
            let gone = try await client.createTask(["title": "gone"], as: user)
            #expect(try await client.send(.delete, "/api/v1/tasks/\(gone.id)", headers: user.bearer).status == .noContent)
            #expect(try await client.send(.patch, "/api/v1/users/me", json: ["name": "Renamed"], headers: user.bearer).status == .ok)
            let token = try await client.createAccessToken(["tasks:read", "profile:read"], as: user)
            try await client.send(.post, "/api/v1/users/me/export", headers: token.bearer).expectProblem(.forbidden, "forbidden")

            let response = try await client.send(.post, "/api/v1/users/me/export", headers: user.bearer)
            #expect(response.status == .accepted)
            let saga = try response.decode(SagaBody.self)
            #expect(saga.kind == "data_export" && response.headers[.location] == "/api/v1/sagas/\(saga.id)")
            #expect(
                try await eventually {
                    try await client.send(.get, "/api/v1/sagas/\(saga.id)", headers: user.bearer).decode(SagaBody.self).state == "completed"
                })
            // The link goes by email; the event announces the export without it.
            #expect(try await eventually { app.mailer.sent.contains { $0.to == user.user.email && $0.subject.contains("export") } })
            let mail = try #require(app.mailer.sent.first { $0.to == user.user.email && $0.subject.contains("export") })
            let link = try #require(mail.body.split(separator: "\n").last.map(String.init))
            let path = try #require(link.range(of: "/api/v1/exports/").map { String(link[$0.lowerBound...]) })
            let events = try await client.events(as: user).items
            let ready = try #require(events.last)
            #expect(ready.type == "export.ready" && ready.subject == "exports/\(saga.id)")

            let download = try await client.send(.get, path)
            #expect(download.status == .ok)
            #expect(download.headers[.contentDisposition] == "attachment; filename=\"docket-export-\(saga.id).json\"")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(download.text.utf8)) as? [String: Any])
            #expect(document["format"] as? String == "docket-export" && document["version"] as? Int == 1)
            let account = try #require(document["account"] as? [String: Any])
            #expect(account["email"] as? String == user.user.email && account["name"] as? String == "Renamed")
            #expect(account["active"] as? Bool == true && account["deactivated"] as? Bool == false && account["deletion_pending"] as? Bool == false)
            let tasks = try #require(document["tasks"] as? [[String: Any]])
            #expect(tasks.count == 4)
            #expect((document["events"] as? [[String: Any]])?.count == events.count - 1)  // Everything before its own announcement.
            let csv = try #require(document["tasks_csv"] as? String)
            #expect(CSVReader.rows(csv)?.filter { $0 != [""] }.count == 5)
            #expect(csv.contains(#""quote "" and, comma""#))

            // Once only; a tampered link is nobody's; an expired export is gone.
            try await client.send(.get, path).expectProblem(.gone, "gone")
            try await client.send(.get, path.replacingOccurrences(of: "signature=", with: "signature=x")).expectProblem(.notFound, "not-found")
            let again = try await client.send(.post, "/api/v1/users/me/export", headers: user.bearer).decode(SagaBody.self)
            #expect(
                try await eventually {
                    try await count("SELECT COUNT(*) AS count FROM jobs WHERE kind = 'send_notice_email' AND state = 'succeeded'", in: database) == 2
                })
            try await database.sql(logger: database.logger).raw("UPDATE exports SET expires_at = 0 WHERE id = \(bind: UUID(uuidString: again.id)!)")
                .run()
            let second = try #require(app.mailer.sent.last { $0.subject.contains("export") }?.body.split(separator: "\n").last.map(String.init))
            try await client.send(.get, String(second[second.range(of: "/api/v1/exports/")!.lowerBound...])).expectProblem(.gone, "gone")

            // The document goes back in as an import: the same tasks in another account.
            let target = try await client.register()
            let body = String(decoding: try JSONSerialization.data(withJSONObject: ["docket_export": document]), as: UTF8.self)
            let job = try await client.startJob("/api/v1/tasks/import", body: body, headers: target.bearer)
            let imported = try await ForeignImportTests.finished(job.id, as: target, client)
            #expect(imported.state == "succeeded" && imported.result?.imported == 4 && imported.result?.skipped == [])
            let shape = { (task: TaskBody) in [task.title, task.description ?? "-", task.status, task.priority, task.dueDate ?? "-"] }
            let original = try await client.walkTasks("limit=100&sort=created_at&order=asc", as: user)
            let copied = try await client.walkTasks("limit=100&sort=created_at&order=asc", as: target)
            #expect(copied.map(shape) == original.map(shape))

            // Null where the contract allows it (a task's description and due date, anything it does not import) is
            // accepted; null for a field it needs is a 422 naming it.
            let nullable = #"{"docket_export":{"tasks":[{"title":"x","description":null,"due_date":null,"id":null}],"events":[{"data":null}]}}"#
            #expect(try await client.sendRaw(.post, "/api/v1/tasks/import", body: nullable, headers: target.bearer).status == .accepted)
            let missing = #"{"docket_export":{"tasks":[{"title":null}]}}"#
            let refused = try await client.sendRaw(.post, "/api/v1/tasks/import", body: missing, headers: target.bearer)
            #expect(try refused.expectProblem(.unprocessableContent, "validation-failed").pointers == ["/docket_export/tasks/0/title"])
        }
    }

    @Test("an export larger than a part is stored and streamed in parts, and reads back whole", arguments: TestBackend.all)
    func exportInParts(backend: TestBackend) async throws {
        let app = try await TestApp.make(backend)
        try await app.run { client, database in
            let user = try await client.register()
            // 750 tasks of 1,800-character descriptions: more than a page of tasks and of events, and more than a part
            // (1 MiB) in each of the document's three sections.
            let description = String(repeating: "lorem, \"ipsum\"\n", count: 120)
            for batch in 0..<3 {
                let tasks = (0..<250).map { ["title": "task \(batch)-\($0)", "description": description] }
                let body = String(decoding: try JSONSerialization.data(withJSONObject: ["tasks": tasks]), as: UTF8.self)
                let job = try await client.startJob("/api/v1/tasks/import", body: body, headers: user.bearer)
                #expect(try await ForeignImportTests.finished(job.id, as: user, client).result?.imported == 250)
            }
            let saga = try await client.send(.post, "/api/v1/users/me/export", headers: user.bearer).decode(SagaBody.self)
            #expect(
                try await eventually(timeout: .seconds(60)) {
                    try await client.send(.get, "/api/v1/sagas/\(saga.id)", headers: user.bearer).decode(SagaBody.self).state == "completed"
                })
            let exportID = UUID(uuidString: saga.id)!
            #expect(try await count("SELECT COUNT(*) AS count FROM export_parts WHERE export_id = \(bind: exportID)", in: database) >= 6)
            #expect(try await eventually { app.mailer.sent.contains { $0.to == user.user.email && $0.subject.contains("export") } })
            let mail = try #require(app.mailer.sent.first { $0.to == user.user.email && $0.subject.contains("export") })
            let link = try #require(mail.body.split(separator: "\n").last.map(String.init))
            let path = try #require(link.range(of: "/api/v1/exports/").map { String(link[$0.lowerBound...]) })

            let download = try await client.send(.get, path)
            #expect(download.status == .ok && download.headers[.contentType] == "application/json; charset=utf-8")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(download.text.utf8)) as? [String: Any])
            let tasks = try #require(document["tasks"] as? [[String: Any]])
            #expect(tasks.count == 750 && tasks.allSatisfy { $0["description"] as? String == description })
            #expect(Set(tasks.compactMap { $0["id"] as? String }).count == 750)
            let stored = try await count(
                "SELECT COUNT(*) AS count FROM events WHERE user_id = \(bind: UUID(uuidString: user.user.id)!)", in: database)
            #expect((document["events"] as? [[String: Any]])?.count == stored - 1)  // All but its own announcement.
            let csv = try #require(document["tasks_csv"] as? String)
            let rows = try #require(CSVReader.rows(csv))
            #expect(rows.filter { $0 != [""] }.count == 751 && rows.dropFirst().allSatisfy { $0 == [""] || $0[1] == description })
            try await client.send(.get, path).expectProblem(.gone, "gone")
        }
    }
}
