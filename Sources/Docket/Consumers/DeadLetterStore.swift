import Foundation
import Logging
import SQLKit

/// Messages a consumer gave up on, with the error, for an operator to retry or drop (`docket events dead-letters`).
struct DeadLetterStore: Sendable {
    let database: DocketDatabase

    /// One dead letter as stored.
    struct Record: Codable, Sendable, Equatable {
        let id: UUID
        let consumer: String
        let messageID: String
        let userID: UUID?
        /// The broker message's fields as a JSON object.
        let payload: String
        let error: String
        let attempts: Int
        let createdAt: Int64

        enum CodingKeys: String, CodingKey {
            case id, consumer, payload, error, attempts
            case messageID = "message_id"
            case userID = "user_id"
            case createdAt = "created_at"
        }
    }

    /// Records that `consumer` gave up on the message with `fields` after `attempts` attempts, through `sql`.
    func insert(consumer: String, fields: [String: String], error: String, attempts: Int, on sql: any SQLDatabase) async throws {
        let payload = String(decoding: try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]), as: UTF8.self)
        let record = Record(
            id: UUID(), consumer: consumer, messageID: fields["id"] ?? "unknown", userID: fields["user_id"].flatMap { UUID(uuidString: $0) },
            payload: payload, error: String(error.prefix(2000)), attempts: attempts, createdAt: Microseconds.now())
        try await sql.insert(into: "dead_letters").model(record, nilEncodingStrategy: .asNil).run()
    }

    /// Dead letters, oldest first, optionally of one consumer.
    func list(consumer: String?, limit: Int, logger: Logger) async throws -> [Record] {
        var query = database.sql(logger: logger).select().column("*").from("dead_letters")
        if let consumer { query = query.where("consumer", .equal, SQLBind(consumer)) }
        return try await query.orderBy("created_at").limit(limit).all(decoding: Record.self)
    }

    /// One dead letter.
    func find(_ id: UUID, logger: Logger) async throws -> Record? {
        try await database.sql(logger: logger).select().column("*").from("dead_letters").where("id", .equal, SQLBind(id)).first(decoding: Record.self)
    }

    /// Deletes one dead letter through `sql`; returns whether it existed.
    @discardableResult
    func delete(_ id: UUID, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw("DELETE FROM dead_letters WHERE id = \(bind: id) RETURNING id").first() != nil
    }

    /// How many dead letters `consumer` has.
    func count(consumer: String, logger: Logger) async throws -> Int {
        let row = try await database.sql(logger: logger).raw(
            "SELECT COUNT(*) AS count FROM dead_letters WHERE consumer = \(bind: consumer)"
        ).first()
        return Int(try row?.decode(column: "count", as: Int64.self) ?? 0)
    }
}
