import Foundation
import SQLKit

/// Builds a user's data export: one JSON document with the account, every task (as REST shows them, and again as CSV
/// in `tasks_csv`, the columns a CSV import takes) and every stored event (the CloudEvents documents the feed carries).
/// `POST /api/v1/tasks/import` with `docket_export` takes the document back.
enum ExportDocument {
    /// The document's format name and version.
    static let format = "docket-export"
    static let version = 1

    /// The archive of `owner`'s data as it stands in `sql`'s transaction.
    static func build(of owner: UUID, at now: Int64, on sql: any SQLDatabase) async throws -> String {
        guard let user = try await sql.raw("SELECT * FROM users WHERE id = \(bind: owner)").first() else {
            throw JobFailure.permanent("the account no longer exists")
        }
        let account = UserEventData.UserPayload(
            id: owner.lowercased, email: try user.decode(column: "email", as: String.self), name: try user.decode(column: "name", as: String.self),
            role: try user.decode(column: "role", as: String.self),
            emailVerified: try user.decode(column: "email_verified_at", as: Date?.self) != nil,
            active: try user.decode(column: "deleted_at", as: Date?.self) == nil,
            createdAt: EventTime.seconds(try user.decode(column: "created_at", as: Date.self)),
            updatedAt: EventTime.seconds(try user.decode(column: "updated_at", as: Date.self)))
        let tasks = try await sql.raw("SELECT * FROM tasks WHERE user_id = \(bind: owner) ORDER BY created_at, id").all().map {
            try TaskRecord(row: $0)
        }
        let events = try await sql.raw("SELECT * FROM events WHERE user_id = \(bind: owner) ORDER BY seq").all(decoding: StoredEvent.self)
        let head = Head(
            format: format, version: version, exportedAt: EventTime.seconds(now), account: account, tasks: tasks.map(TaskPayload.init),
            tasksCSV: csv(tasks))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // The events are stored as JSON already: spliced in as they are rather than decoded and encoded again.
        var document = String(decoding: try encoder.encode(head), as: UTF8.self)
        document.removeLast()
        return document + #","events":["# + events.map(\.envelope).joined(separator: ",") + "]}"
    }

    /// The tasks as CSV with the header a CSV import reads.
    static func csv(_ tasks: [TaskRecord]) -> String {
        var lines = [TaskImport.csvColumns.joined(separator: ",")]
        for task in tasks {
            lines.append(
                [task.title, task.description ?? "", task.status.rawValue, task.priority.rawValue, task.dueDate ?? ""].map(quoted).joined(
                    separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Everything but the events.
    private struct Head: Encodable {
        let format: String
        let version: Int
        let exportedAt: String
        let account: UserEventData.UserPayload
        let tasks: [TaskPayload]
        let tasksCSV: String

        enum CodingKeys: String, CodingKey {
            case format, version, account, tasks
            case exportedAt = "exported_at"
            case tasksCSV = "tasks_csv"
        }
    }
}
