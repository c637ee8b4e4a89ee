import Foundation

/// A stored webhook endpoint (`webhooks` row). The secret is kept to sign deliveries and is shown to its owner only
/// when created or rotated.
struct WebhookRecord: Codable, Sendable, Equatable {
    var id: UUID
    var userID: UUID
    var url: String
    /// Comma-separated event types; empty means every type a feed carries.
    var eventTypes: String
    var description: String?
    var enabled: Bool
    var disabledReason: String?
    var secret: String
    var previousSecret: String?
    var previousSecretExpiresAt: Int64?
    var secretRotatedAt: Int64?
    var createdAt: Int64
    var updatedAt: Int64

    enum CodingKeys: String, CodingKey {
        case id, url, description, enabled, secret
        case userID = "user_id"
        case eventTypes = "event_types"
        case disabledReason = "disabled_reason"
        case previousSecret = "previous_secret"
        case previousSecretExpiresAt = "previous_secret_expires_at"
        case secretRotatedAt = "secret_rotated_at"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    /// The subscribed types (empty: all).
    var types: [String] { eventTypes.split(separator: ",").map(String.init) }

    /// Whether this endpoint wants events of `type`.
    func wants(_ type: String) -> Bool { eventTypes.isEmpty || types.contains(type) }

    /// The secrets a delivery at `now` is signed with: the current one, and the previous one during the overlap.
    func signingSecrets(now: Int64) -> [String] {
        guard let previousSecret, let until = previousSecretExpiresAt, until > now else { return [secret] }
        return [secret, previousSecret]
    }
}

/// One delivery of one event to one endpoint (`webhook_deliveries` row), run as a job.
struct WebhookDeliveryRecord: Codable, Sendable, Equatable {
    var id: UUID
    var webhookID: UUID
    var userID: UUID
    var eventID: UUID
    var eventType: String
    /// The exact JSON body sent (the event's envelope), so a redelivery sends the same bytes.
    var body: String
    var state: String
    var createdAt: Int64
    var updatedAt: Int64

    enum CodingKeys: String, CodingKey {
        case id, body, state
        case webhookID = "webhook_id"
        case userID = "user_id"
        case eventID = "event_id"
        case eventType = "event_type"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// One attempt of a delivery (`webhook_attempts` row).
struct WebhookAttemptRecord: Codable, Sendable, Equatable {
    var id: UUID
    var deliveryID: UUID
    var attemptedAt: Int64
    var statusCode: Int?
    var latencyMs: Double
    var error: String?
    var responseExcerpt: String?

    enum CodingKeys: String, CodingKey {
        case id, error
        case deliveryID = "delivery_id"
        case attemptedAt = "attempted_at"
        case statusCode = "status_code"
        case latencyMs = "latency_ms"
        case responseExcerpt = "response_excerpt"
    }
}
