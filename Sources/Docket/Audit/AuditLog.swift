import FluentKit
import Foundation
import Logging
import SQLKit

/// Appends security events to the `audit_events` table. Never given a password or token.
struct AuditLog: Sendable {
    let database: DocketDatabase

    /// Records `type` about `userID` (when known), done by `actor` (when another account acted), with where the request
    /// came from.
    func record(
        _ type: AuditEventType, userID: UUID?, actor: UUID? = nil, origin: RequestOrigin, details: String? = nil, logger: Logger
    ) async {
        let event = AuditEventModel()
        event.actorID = actor
        event.occurrences = 1
        event.id = UUID()
        event.eventType = type.rawValue
        event.userID = userID
        event.ip = origin.ip
        event.userAgent = origin.userAgent.map { String($0.prefix(512)) }
        event.requestID = origin.requestID
        event.details = details
        event.createdAt = Date()
        do {
            try await event.create(on: database.database(logger: logger))
        } catch {
            // The audit log must not turn a user's request into a failure; the event still reaches the logs.
            logger.error("audit event not stored", metadata: ["event": .string(type.rawValue), "error": .string(DatabaseFailure.describe(error))])
        }
        logger.info("audit", metadata: ["event": .string(type.rawValue), "user_id": .string(userID?.uuidString.lowercased() ?? "-")])
    }

    /// Records `type` once per `key` and window of `window` seconds: the first occurrence writes a row, the rest only
    /// count on it, so a flood of one event (rate-limit trips) costs one row per window, not one per request.
    func recordAggregated(
        _ type: AuditEventType, key: String, window: Int, origin: RequestOrigin, details: String? = nil, now: Date = Date(), logger: Logger
    ) async {
        let seconds = Int(now.timeIntervalSince1970)
        let windowStart = seconds - seconds % max(1, window)
        let aggregateKey = "\(type.rawValue)|\(key)|\(windowStart)"
        let query: SQLQueryString = """
            INSERT INTO audit_events (id, event_type, ip, user_agent, request_id, details, created_at, occurrences, aggregate_key)
            VALUES (\(bind: UUID()), \(bind: type.rawValue), \(bind: origin.ip), \(bind: origin.userAgent.map { String($0.prefix(512)) }),
              \(bind: origin.requestID), \(bind: details), \(bind: now), 1, \(bind: aggregateKey))
            ON CONFLICT (aggregate_key) DO UPDATE SET occurrences = audit_events.occurrences + 1
            """
        do {
            try await database.sql(logger: logger).raw(query).run()
        } catch {
            logger.error("audit event not stored", metadata: ["event": .string(type.rawValue), "error": .string(DatabaseFailure.describe(error))])
        }
        logger.info("audit", metadata: ["event": .string(type.rawValue), "user_id": "-"])
    }

    /// One page of events, newest first, optionally of one account and one type, and how many match in all.
    func list(userID: UUID?, type: AuditEventType?, limit: Int, offset: Int, logger: Logger) async throws -> ([AuditEventModel], Int) {
        var query = AuditEventModel.query(on: database.database(logger: logger))
        if let userID { query = query.filter(\.$userID == userID) }
        if let type { query = query.filter(\.$eventType == type.rawValue) }
        let total = try await query.copy().count()
        let events = try await query.sort(\.$createdAt, .descending).sort(\.$id).range(offset..<(offset + limit)).all()
        return (events, total)
    }
}
