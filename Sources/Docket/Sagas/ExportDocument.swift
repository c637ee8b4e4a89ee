import Foundation
import SQLKit

/// Builds a user's data export: one JSON document with the account, every task (as REST shows them, and again as CSV
/// in `tasks_csv`, the columns a CSV import takes) and every stored event (the CloudEvents documents the feed carries).
/// `POST /api/v1/tasks/import` with `docket_export` takes the document back.
enum ExportDocument {
    /// The document's format name and version.
    static let format = "docket-export"
    static let version = 1

    /// How many tasks or events one query reads while the document is written.
    static let pageSize = 500

    /// Writes the archive of `owner`'s data as it stands in `sql`'s transaction into `parts`, a page of tasks and of
    /// events at a time.
    static func write(of owner: UUID, at now: Int64, on sql: any SQLDatabase, into parts: inout ExportPartWriter) async throws {
        guard let user = try await sql.raw("SELECT * FROM users WHERE id = \(bind: owner)").first() else {
            throw JobFailure.permanent("the account no longer exists")
        }
        let account = UserEventData.UserPayload(
            id: owner.lowercased, email: try user.decode(column: "email", as: String.self), name: try user.decode(column: "name", as: String.self),
            role: try user.decode(column: "role", as: String.self),
            emailVerified: try user.decode(column: "email_verified_at", as: Date?.self) != nil,
            active: try user.decode(column: "deleted_at", as: Date?.self) == nil && user.decode(column: "deactivated_at", as: Date?.self) == nil,
            createdAt: EventTime.seconds(try user.decode(column: "created_at", as: Date.self)),
            updatedAt: EventTime.seconds(try user.decode(column: "updated_at", as: Date.self)))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // {"account":…,"exported_at":…,"format":…,"version":…,"tasks":[…],"tasks_csv":"…","events":[…]}: the head's
        // closing brace gives way to the tasks, written as they are read; the CSV is a JSON string written a line at a
        // time into its own section; the events are stored as JSON already and go in as they are.
        var head = String(
            decoding: try encoder.encode(Head(format: format, version: version, exportedAt: EventTime.seconds(now), account: account)), as: UTF8.self)
        head.removeLast()
        try await parts.append(head + #","tasks":["#, to: .tasks)
        try await parts.append(try jsonStringContent(csvHeader + "\n", encoder), to: .csv)
        var after: TaskRecord?
        var separator = ""
        repeat {
            let page = try await tasks(of: owner, after: after, on: sql)
            for task in page {
                try await parts.append(separator + String(decoding: try encoder.encode(TaskPayload(task)), as: UTF8.self), to: .tasks)
                separator = ","
                try await parts.append(try jsonStringContent(csvLine(task) + "\n", encoder), to: .csv)
            }
            after = page.count == pageSize ? page.last : nil
        } while after != nil
        try await parts.append(#"],"tasks_csv":""#, to: .tasks)
        try await parts.append(#"","events":["#, to: .events)
        var lastSeq: Int64 = 0
        separator = ""
        while true {
            let page = try await sql.raw(
                "SELECT * FROM events WHERE user_id = \(bind: owner) AND seq > \(bind: lastSeq) ORDER BY seq LIMIT \(unsafeRaw: String(pageSize))"
            ).all(decoding: StoredEvent.self)
            for event in page {
                try await parts.append(separator + event.envelope, to: .events)
                separator = ","
            }
            guard page.count == pageSize, let last = page.last else { break }
            lastSeq = last.seq
        }
        try await parts.append("]}", to: .events)
    }

    /// The page of `owner`'s tasks after `after`, oldest first.
    private static func tasks(of owner: UUID, after: TaskRecord?, on sql: any SQLDatabase) async throws -> [TaskRecord] {
        let rows =
            if let after {
                try await sql.raw(
                    """
                    SELECT * FROM tasks WHERE user_id = \(bind: owner)
                    AND (created_at > \(bind: after.createdAt) OR (created_at = \(bind: after.createdAt) AND id > \(bind: after.id)))
                    ORDER BY created_at, id LIMIT \(unsafeRaw: String(pageSize))
                    """
                ).all()
            } else {
                try await sql.raw(
                    "SELECT * FROM tasks WHERE user_id = \(bind: owner) ORDER BY created_at, id LIMIT \(unsafeRaw: String(pageSize))"
                ).all()
            }
        return try rows.map { try TaskRecord(row: $0) }
    }

    /// `text` as it stands between the quotes of a JSON string.
    private static func jsonStringContent(_ text: String, _ encoder: JSONEncoder) throws -> String {
        let quoted = String(decoding: try encoder.encode(text), as: UTF8.self)
        return String(quoted.dropFirst().dropLast())
    }

    /// The header of the tasks' CSV: the columns a CSV import reads.
    static var csvHeader: String { TaskImport.csvColumns.joined(separator: ",") }

    /// One task as a line of the CSV (without its line break).
    static func csvLine(_ task: TaskRecord) -> String {
        [task.title, task.description ?? "", task.status.rawValue, task.priority.rawValue, task.dueDate ?? ""].map(quoted).joined(separator: ",")
    }

    private static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The document's fields before its tasks.
    private struct Head: Encodable {
        let format: String
        let version: Int
        let exportedAt: String
        let account: UserEventData.UserPayload

        enum CodingKeys: String, CodingKey {
            case format, version, account
            case exportedAt = "exported_at"
        }
    }
}
