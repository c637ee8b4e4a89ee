import Foundation
import SQLKit

/// Writes a user's data export, a batch at a time (`ExportParts`): one JSON document with the account, every task (as REST shows them, and again as CSV
/// in `tasks_csv`, the columns a CSV import takes) and every stored event (the CloudEvents documents the feed carries).
/// `POST /api/v1/tasks/import` with `docket_export` takes the document back.
enum ExportDocument {
    /// The document's format name and version.
    static let format = "docket-export"
    static let version = 1

    /// How many tasks or events one batch of the export reads and stores.
    static let pageSize = 500

    /// Where the writing of an export stands between its batches (kept in the saga's facts).
    struct Progress: Codable, Sendable, Equatable {
        var taskPages = 0
        var lastTask: TaskKey?
        var tasksDone = false
        var eventPages = 0
        var lastSeq: Int64 = 0
        var bytes = 0
    }

    /// A task's place in the export's order (oldest first).
    struct TaskKey: Codable, Sendable, Equatable {
        let createdAt: Int64
        let id: UUID
    }

    /// Writes the fixed pieces of export `export` of `owner`'s data: the head with the account as it stands now, and
    /// what goes between the tasks, the CSV and the events. Returns their size in bytes.
    static func writeFrame(of owner: UUID, export: UUID, at now: Int64, on sql: any SQLDatabase) async throws -> Int {
        guard let user = try await sql.raw("SELECT * FROM users WHERE id = \(bind: owner)").first() else {
            throw JobFailure.permanent("the account no longer exists")
        }
        let deletedAt = try user.decode(column: "deleted_at", as: Date?.self)
        let deactivatedAt = try user.decode(column: "deactivated_at", as: Date?.self)
        let account = UserEventData.UserPayload(
            id: owner.lowercased, email: try user.decode(column: "email", as: String.self), name: try user.decode(column: "name", as: String.self),
            role: try user.decode(column: "role", as: String.self),
            emailVerified: try user.decode(column: "email_verified_at", as: Date?.self) != nil,
            active: deletedAt == nil && deactivatedAt == nil, deactivated: deactivatedAt != nil, deletionPending: deletedAt != nil,
            createdAt: EventTime.seconds(try user.decode(column: "created_at", as: Date.self)),
            updatedAt: EventTime.seconds(try user.decode(column: "updated_at", as: Date.self)))
        // The head's closing brace gives way to the tasks; the CSV is one JSON string; the events are stored as JSON
        // already and go in as they are.
        var head = String(
            decoding: try encoder.encode(Head(format: format, version: version, exportedAt: EventTime.seconds(now), account: account)), as: UTF8.self)
        head.removeLast()
        var bytes = try await ExportParts.store(head + #","tasks":["#, export: export, section: .head, part: 0, on: sql)
        bytes += try await ExportParts.store(
            #"],"tasks_csv":""# + jsonStringContent(csvHeader + "\n"), export: export, section: .csvHead, part: 0, on: sql)
        bytes += try await ExportParts.store(#"","events":["#, export: export, section: .eventsHead, part: 0, on: sql)
        bytes += try await ExportParts.store("]}", export: export, section: .end, part: 0, on: sql)
        return bytes
    }

    /// Writes the next page of `owner`'s tasks (as JSON and as CSV lines) into export `export`, or marks the tasks done
    /// when none are left.
    static func writeTaskPage(of owner: UUID, export: UUID, progress: inout Progress, on sql: any SQLDatabase) async throws {
        let page = try await tasks(of: owner, after: progress.lastTask, on: sql)
        guard let last = page.last else {
            progress.tasksDone = true
            return
        }
        let separator = progress.taskPages == 0 ? "" : ","
        let json = try page.map { String(decoding: try encoder.encode(TaskPayload($0)), as: UTF8.self) }.joined(separator: ",")
        let csv = try page.map { try jsonStringContent(csvLine($0) + "\n") }.joined()
        progress.bytes += try await ExportParts.store(separator + json, export: export, section: .tasks, part: progress.taskPages, on: sql)
        progress.bytes += try await ExportParts.store(csv, export: export, section: .csv, part: progress.taskPages, on: sql)
        progress.taskPages += 1
        progress.lastTask = TaskKey(createdAt: last.createdAt, id: last.id)
        progress.tasksDone = page.count < pageSize
    }

    /// Writes the next page of `owner`'s stored events into export `export`; false when none were left.
    static func writeEventPage(of owner: UUID, export: UUID, progress: inout Progress, on sql: any SQLDatabase) async throws -> Bool {
        let page = try await sql.raw(
            "SELECT * FROM events WHERE user_id = \(bind: owner) AND seq > \(bind: progress.lastSeq) ORDER BY seq LIMIT \(unsafeRaw: String(pageSize))"
        ).all(decoding: StoredEvent.self)
        guard let last = page.last else { return false }
        let separator = progress.eventPages == 0 ? "" : ","
        let data = separator + page.map(\.envelope).joined(separator: ",")
        progress.bytes += try await ExportParts.store(data, export: export, section: .events, part: progress.eventPages, on: sql)
        progress.eventPages += 1
        progress.lastSeq = last.seq
        return page.count == pageSize
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The page of `owner`'s tasks after `after`, oldest first.
    private static func tasks(of owner: UUID, after: TaskKey?, on sql: any SQLDatabase) async throws -> [TaskRecord] {
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
    private static func jsonStringContent(_ text: String) throws -> String {
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
