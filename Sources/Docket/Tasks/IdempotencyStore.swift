import Foundation
import Logging
import SQLKit

/// Remembered `Idempotency-Key`s: per user, for 24 hours, with the request's fingerprint and the task first created.
struct IdempotencyStore: Sendable {
    /// How long a key is remembered.
    static let lifetime: Int64 = 24 * 3600 * 1_000_000

    /// A remembered request.
    struct Entry: Codable {
        let requestHash: String
        let taskID: UUID
        let responseBody: String

        enum CodingKeys: String, CodingKey {
            case requestHash = "request_hash"
            case taskID = "task_id"
            case responseBody = "response_body"
        }

        /// The task as first created, or nil when the body was written by an older release in another format.
        var task: TaskRecord? { try? JSONDecoder().decode(TaskRecord.self, from: Data(responseBody.utf8)) }
    }

    /// The live entry for `key` of `owner`, if any.
    func find(key: String, owner: UUID, on sql: any SQLDatabase) async throws -> Entry? {
        try await sql.select().columns("request_hash", "task_id", "response_body").from("idempotency_keys")
            .where("user_id", .equal, SQLBind(owner)).where("key", .equal, SQLBind(key))
            .where("created_at", .greaterThan, SQLBind(Microseconds.now() - Self.lifetime))
            .first(decoding: Entry.self)
    }

    /// Stores the task a first request created; an expired entry with the same key is replaced.
    func remember(key: String, owner: UUID, requestHash: String, task: TaskRecord, on sql: any SQLDatabase) async throws {
        let now = Microseconds.now()
        let body = String(decoding: try JSONEncoder().encode(task), as: UTF8.self)
        try await sql.delete(from: "idempotency_keys")
            .where("user_id", .equal, SQLBind(owner)).where("key", .equal, SQLBind(key))
            .where("created_at", .lessThanOrEqual, SQLBind(now - Self.lifetime))
            .run()
        try await sql.insert(into: "idempotency_keys")
            .columns("id", "user_id", "key", "request_hash", "task_id", "response_body", "created_at")
            .values(SQLBind(UUID()), SQLBind(owner), SQLBind(key), SQLBind(requestHash), SQLBind(task.id), SQLBind(body), SQLBind(now))
            .run()
    }
}
