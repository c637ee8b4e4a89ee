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
    /// The account that acted (an admin changing someone else), when not the account concerned itself.
    @OptionalField(key: "actor_id") var actorID: UUID?
    /// How many times the event happened in its aggregation window (1 for events that are not aggregated).
    @Field(key: "occurrences") var occurrences: Int64
    /// The key repeated events share a row under (`rate_limited` trips: bucket and window), or nil.
    @OptionalField(key: "aggregate_key") var aggregateKey: String?

    init() {}
}
