import Foundation
import Logging
import SQLKit

/// Remembered `Idempotency-Key`s: per user, for 24 hours, with the request's fingerprint and the original answer.
struct IdempotencyStore: Sendable {
    /// How long a key is remembered.
    static let lifetime: Int64 = 24 * 3600 * 1_000_000

    /// A remembered request.
    struct Entry: Codable {
        let requestHash: String
        let responseBody: String

        enum CodingKeys: String, CodingKey {
            case requestHash = "request_hash"
            case responseBody = "response_body"
        }
    }

    /// The live entry for `key` of `owner`, if any.
    func find(key: String, owner: UUID, on sql: any SQLDatabase) async throws -> Entry? {
        try await sql.select().columns("request_hash", "response_body").from("idempotency_keys")
            .where("user_id", .equal, SQLBind(owner)).where("key", .equal, SQLBind(key))
            .where("created_at", .greaterThan, SQLBind(Microseconds.now() - Self.lifetime))
            .first(decoding: Entry.self)
    }

    /// Stores the answer to a first request; an expired entry with the same key is replaced.
    func remember(key: String, owner: UUID, requestHash: String, taskID: UUID, responseBody: String, on sql: any SQLDatabase) async throws {
        let now = Microseconds.now()
        try await sql.delete(from: "idempotency_keys")
            .where("user_id", .equal, SQLBind(owner)).where("key", .equal, SQLBind(key))
            .where("created_at", .lessThanOrEqual, SQLBind(now - Self.lifetime))
            .run()
        try await sql.insert(into: "idempotency_keys")
            .columns("id", "user_id", "key", "request_hash", "task_id", "response_body", "created_at")
            .values(SQLBind(UUID()), SQLBind(owner), SQLBind(key), SQLBind(requestHash), SQLBind(taskID), SQLBind(responseBody), SQLBind(now))
            .run()
    }
}
