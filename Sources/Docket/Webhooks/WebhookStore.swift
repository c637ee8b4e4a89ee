import Foundation
import Logging
import SQLKit

/// Storage of webhook endpoints, their deliveries and attempts; every query that a user drives is owner-scoped.
struct WebhookStore: Sendable {
    let database: DocketDatabase

    private func sql(_ logger: Logger) -> any SQLDatabase { database.sql(logger: logger) }

    func insert(_ hook: WebhookRecord, logger: Logger) async throws {
        try await sql(logger).insert(into: "webhooks").model(hook, nilEncodingStrategy: .asNil).run()
    }

    /// The owner's endpoint, or nil.
    func find(_ id: UUID, owner: UUID, logger: Logger) async throws -> WebhookRecord? {
        try await sql(logger).select().column("*").from("webhooks").where("id", .equal, SQLBind(id)).where("user_id", .equal, SQLBind(owner))
            .first(decoding: WebhookRecord.self)
    }

    /// The endpoint with `id`, whoever owns it (for the delivery job).
    func find(_ id: UUID, logger: Logger) async throws -> WebhookRecord? {
        try await sql(logger).select().column("*").from("webhooks").where("id", .equal, SQLBind(id)).first(decoding: WebhookRecord.self)
    }

    /// The owner's endpoints, oldest first.
    func list(owner: UUID, logger: Logger) async throws -> [WebhookRecord] {
        try await sql(logger).select().column("*").from("webhooks").where("user_id", .equal, SQLBind(owner)).orderBy("created_at")
            .all(decoding: WebhookRecord.self)
    }

    /// The owner's enabled endpoints, read through `sql` (the transaction writing an event).
    func enabled(owner: UUID, on sql: any SQLDatabase) async throws -> [WebhookRecord] {
        try await sql.select().column("*").from("webhooks").where("user_id", .equal, SQLBind(owner)).where("enabled", .equal, SQLBind(true))
            .all(decoding: WebhookRecord.self)
    }

    /// How many endpoints the owner has.
    func count(owner: UUID, logger: Logger) async throws -> Int {
        try await sql(logger).select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("webhooks")
            .where("user_id", .equal, SQLBind(owner)).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// Writes every column of `hook` (owner-scoped) if the row is still as read (`updated_at` = `readAt`); false when it
    /// changed meanwhile or is gone.
    func update(_ hook: WebhookRecord, readAt: Int64, logger: Logger) async throws -> Bool {
        try await !sql(logger).update("webhooks").set(model: hook, nilEncodingStrategy: .asNil)
            .where("id", .equal, SQLBind(hook.id)).where("user_id", .equal, SQLBind(hook.userID))
            .where("updated_at", .equal, SQLBind(readAt)).returning("id").all().isEmpty
    }

    /// Disables an enabled endpoint with `reason`; false when it was already disabled (so one disabling is recorded once).
    func disable(_ id: UUID, reason: String, now: Int64, on sql: any SQLDatabase) async throws -> Bool {
        try await !sql.update("webhooks").set("enabled", to: SQLBind(false)).set("disabled_reason", to: SQLBind(reason))
            .set("updated_at", to: SQLBind(now))
            .where("id", .equal, SQLBind(id)).where("enabled", .equal, SQLBind(true)).returning("id").all().isEmpty
    }

    /// Deletes the owner's endpoint (its deliveries and attempts go with it); false when there was none.
    func delete(_ id: UUID, owner: UUID, logger: Logger) async throws -> Bool {
        try await !sql(logger).delete(from: "webhooks").where("id", .equal, SQLBind(id)).where("user_id", .equal, SQLBind(owner))
            .returning("id").all().isEmpty
    }

    func insert(_ delivery: WebhookDeliveryRecord, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "webhook_deliveries").model(delivery, nilEncodingStrategy: .asNil).run()
    }

    /// The delivery with `id` (of endpoint `hook` when given).
    func delivery(_ id: UUID, hook: UUID? = nil, logger: Logger) async throws -> WebhookDeliveryRecord? {
        var query = sql(logger).select().column("*").from("webhook_deliveries").where("id", .equal, SQLBind(id))
        if let hook { query = query.where("webhook_id", .equal, SQLBind(hook)) }
        return try await query.first(decoding: WebhookDeliveryRecord.self)
    }

    /// The endpoint's newest deliveries.
    func deliveries(hook: UUID, limit: Int, logger: Logger) async throws -> [WebhookDeliveryRecord] {
        try await sql(logger).select().column("*").from("webhook_deliveries").where("webhook_id", .equal, SQLBind(hook))
            .orderBy("created_at", .descending).orderBy("id", .descending).limit(limit).all(decoding: WebhookDeliveryRecord.self)
    }

    /// The attempts of `deliveries`, oldest first, by delivery.
    func attempts(of deliveries: [UUID], logger: Logger) async throws -> [UUID: [WebhookAttemptRecord]] {
        guard !deliveries.isEmpty else { return [:] }
        let rows = try await sql(logger).select().column("*").from("webhook_attempts").where("delivery_id", .in, SQLBind.group(deliveries))
            .orderBy("attempted_at").all(decoding: WebhookAttemptRecord.self)
        return Dictionary(grouping: rows, by: \.deliveryID)
    }

    func record(_ attempt: WebhookAttemptRecord, logger: Logger) async throws {
        try await sql(logger).insert(into: "webhook_attempts").model(attempt, nilEncodingStrategy: .asNil).run()
    }

    /// Sets a delivery's state.
    func setState(_ id: UUID, _ state: String, now: Int64, on sql: any SQLDatabase) async throws {
        try await sql.update("webhook_deliveries").set("state", to: SQLBind(state)).set("updated_at", to: SQLBind(now))
            .where("id", .equal, SQLBind(id)).run()
    }
}
