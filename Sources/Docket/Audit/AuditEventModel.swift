import FluentKit
import Foundation

/// One row of the security audit log.
final class AuditEventModel: Model, @unchecked Sendable {
    static let schema = "audit_events"

    @ID(key: .id) var id: UUID?
    @Field(key: "event_type") var eventType: String
    @OptionalField(key: "user_id") var userID: UUID?
    @OptionalField(key: "ip") var ip: String?
    @OptionalField(key: "user_agent") var userAgent: String?
    @OptionalField(key: "request_id") var requestID: String?
    @OptionalField(key: "details") var details: String?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}
