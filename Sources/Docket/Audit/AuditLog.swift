import FluentKit
import Foundation
import Logging

/// Appends security events to the `audit_events` table. Never given a password or token.
struct AuditLog: Sendable {
    let database: DocketDatabase

    /// Records `type` about `userID` (when known), with where the request came from.
    func record(_ type: AuditEventType, userID: UUID?, origin: RequestOrigin, details: String? = nil, logger: Logger) async {
        let event = AuditEventModel()
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
