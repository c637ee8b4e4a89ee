import DocketAPI
import Foundation
import OpenAPIRuntime

extension Components.Schemas.Event {
    /// The wire view of a stored event (the same document the live feed sends).
    init(_ event: StoredEvent) throws {
        let decoder = JSONDecoder()
        let transcoder = ISO8601Transcoder()
        decoder.dateDecodingStrategy = .custom { decoder in try transcoder.decode(try decoder.singleValueContainer().decode(String.self)) }
        do {
            self = try decoder.decode(Self.self, from: Data(event.envelope.utf8))
        } catch {
            // A stored event the contract cannot describe is a server fault, not a client's bad parameter.
            throw AppError(.internalError, "A stored event could not be encoded.")
        }
    }
}

extension Components.Schemas.Webhook {
    /// The wire view of an endpoint, without its secrets.
    init(_ hook: WebhookRecord) {
        self.init(
            id: hook.id.lowercased, url: hook.url, eventTypes: hook.types, description: hook.description, enabled: hook.enabled,
            disabledReason: hook.disabledReason, secretRotatedAt: hook.secretRotatedAt.map(Microseconds.date),
            previousSecretExpiresAt: hook.previousSecret == nil ? nil : hook.previousSecretExpiresAt.map(Microseconds.date),
            createdAt: Microseconds.date(hook.createdAt), updatedAt: Microseconds.date(hook.updatedAt))
    }
}

extension Components.Schemas.WebhookDelivery {
    /// The wire view of a delivery with its attempts.
    init(_ delivery: WebhookService.Delivery) {
        let record = delivery.record
        self.init(
            id: record.id.lowercased, webhookId: record.webhookID.lowercased, eventId: record.eventID.lowercased, eventType: record.eventType,
            state: Components.Schemas.WebhookDelivery.StatePayload(rawValue: record.state) ?? .pending,
            attempts: delivery.attempts.map { attempt in
                .init(
                    attemptedAt: Microseconds.date(attempt.attemptedAt), statusCode: attempt.statusCode, latencyMs: attempt.latencyMs,
                    error: attempt.error, responseExcerpt: attempt.responseExcerpt)
            },
            createdAt: Microseconds.date(record.createdAt), updatedAt: Microseconds.date(record.updatedAt))
    }
}
