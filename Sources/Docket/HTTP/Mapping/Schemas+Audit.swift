import DocketAPI
import Foundation

extension Components.Schemas.AuditEvent {
    /// The wire view of one audit row.
    init(_ event: AuditEventModel) throws {
        self.init(
            id: event.id!.uuidString.lowercased(),
            eventType: Components.Schemas.AuditEventType(rawValue: event.eventType) ?? .loginFailed,
            userId: event.userID?.uuidString.lowercased(),
            actorId: event.actorID?.uuidString.lowercased(),
            count: event.occurrences,
            ip: event.ip,
            userAgent: event.userAgent,
            requestId: event.requestID,
            details: event.details,
            createdAt: event.createdAt
        )
    }
}
