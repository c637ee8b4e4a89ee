import Foundation
import Hummingbird

/// A task as the ceiling serves it: the same fields and shapes as Docket's `Task` schema.
struct CeilingTask: Codable, Sendable {
    let id: String
    let title: String
    let description: String?
    let status: String
    let priority: String
    let due_date: String?
    let created_at: String
    let updated_at: String
    let version: Int
}

/// A page of tasks, shaped like Docket's task page.
struct CeilingPage: Codable, Sendable {
    let items: [CeilingTask]
    let next_cursor: String?
}

let port = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 8090
let tasks = (0..<20).map { index in
    CeilingTask(
        id: UUID().uuidString.lowercased(), title: "Task number \(index) with a realistic title",
        description: index.isMultiple(of: 2) ? "Some description text for task \(index)." : nil, status: "todo", priority: "medium",
        due_date: index.isMultiple(of: 3) ? "2026-12-31" : nil, created_at: "2026-12-01T10:00:00.000Z",
        updated_at: "2026-12-01T10:00:00.000Z", version: 1)
}
let page = CeilingPage(items: tasks, next_cursor: "eyJpZCI6IjAwMDAifQ")
let fixedBody = ByteBuffer(string: #"{"status":"ok"}"#)

let router = Router()
// A fixed small JSON body: the framework's own request/response cost.
router.get("/json") { _, _ in
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: fixedBody))
}
// Twenty task rows from memory through Foundation's JSONEncoder: the cost of the framework plus encoding a page.
router.get("/tasks") { _, _ in
    let data = try JSONEncoder().encode(page)
    return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil))
try await app.runService()
