import Foundation
import Logging
import SQLKit

/// Webhook endpoints of a user: create (with a secret shown once), change, rotate the secret with an overlap, delete,
/// test-send, and the record of deliveries with their attempts (redeliver one).
struct WebhookService: Sendable {
    /// Endpoints one user may have.
    static let maxPerUser = 20

    let store: WebhookStore
    let fanout: WebhookFanout
    let resolver: HostResolver
    let policy: AddressPolicy
    let database: DocketDatabase
    let audit: AuditLog
    let jobSignal: WakeSignal

    /// What a caller may set on an endpoint (nil: leave as is).
    struct Changes: Sendable {
        var url: String?
        var eventTypes: [String]?
        var description: String??
        var enabled: Bool?
    }

    /// A delivery with its attempts.
    struct Delivery: Sendable {
        let record: WebhookDeliveryRecord
        let attempts: [WebhookAttemptRecord]
    }

    /// Creates an endpoint; returns it with its secret (the only time the secret is shown, besides rotation).
    func create(owner: UUID, _ changes: Changes, origin: RequestOrigin, logger: Logger) async throws -> WebhookRecord {
        guard try await store.count(owner: owner, logger: logger) < Self.maxPerUser else {
            throw AppError(.conflict, "You have \(Self.maxPerUser) webhooks, the most allowed; delete one first.")
        }
        let now = Microseconds.now()
        var hook = WebhookRecord(
            id: UUID(), userID: owner, url: "", eventTypes: "", description: nil, enabled: true, disabledReason: nil,
            secret: WebhookSignature.newSecret(), previousSecret: nil, previousSecretExpiresAt: nil, secretRotatedAt: nil, createdAt: now,
            updatedAt: now)
        try await apply(changes, to: &hook, requireURL: true)
        try await store.insert(hook, logger: logger)
        await audit.record(.webhookCreated, userID: owner, origin: origin, details: "webhook \(hook.id.lowercased)", logger: logger)
        return hook
    }

    /// The owner's endpoint, or a 404 problem.
    func get(_ id: UUID, owner: UUID, logger: Logger) async throws -> WebhookRecord {
        guard let hook = try await store.find(id, owner: owner, logger: logger) else { throw AppError.notFound("No such webhook.") }
        return hook
    }

    func list(owner: UUID, logger: Logger) async throws -> [WebhookRecord] {
        try await store.list(owner: owner, logger: logger)
    }

    /// Changes an endpoint; enabling it again clears why it was disabled.
    func update(_ id: UUID, owner: UUID, _ changes: Changes, logger: Logger) async throws -> WebhookRecord {
        var hook = try await get(id, owner: owner, logger: logger)
        try await apply(changes, to: &hook, requireURL: false)
        if changes.enabled == true { hook.disabledReason = nil }
        hook.updatedAt = Microseconds.now()
        guard try await store.update(hook, logger: logger) else { throw AppError.notFound("No such webhook.") }
        return hook
    }

    func delete(_ id: UUID, owner: UUID, logger: Logger) async throws {
        guard try await store.delete(id, owner: owner, logger: logger) else { throw AppError.notFound("No such webhook.") }
    }

    /// Replaces the secret; the old one keeps signing (next to the new) for `overlapSeconds`.
    func rotateSecret(_ id: UUID, owner: UUID, overlapSeconds: Int, origin: RequestOrigin, logger: Logger) async throws -> WebhookRecord {
        guard (0...604_800).contains(overlapSeconds) else {
            throw AppError.validation([FieldError(pointer: "/overlap_seconds", message: "must be between 0 and 604800")])
        }
        var hook = try await get(id, owner: owner, logger: logger)
        let now = Microseconds.now()
        hook.previousSecret = overlapSeconds > 0 ? hook.secret : nil
        hook.previousSecretExpiresAt = overlapSeconds > 0 ? now + Int64(overlapSeconds) * 1_000_000 : nil
        hook.secret = WebhookSignature.newSecret()
        hook.secretRotatedAt = now
        hook.updatedAt = now
        guard try await store.update(hook, logger: logger) else { throw AppError.notFound("No such webhook.") }
        await audit.record(.webhookSecretRotated, userID: owner, origin: origin, details: "webhook \(hook.id.lowercased)", logger: logger)
        return hook
    }

    /// Sends a `webhook.test` event to this endpoint only (it is not part of the feed).
    func sendTest(_ id: UUID, owner: UUID, logger: Logger) async throws -> Delivery {
        let hook = try await get(id, owner: owner, logger: logger)
        guard hook.enabled else { throw AppError(.conflict, "The webhook is disabled; enable it first.") }
        let event = try PendingEvent(
            .webhookTest, subject: "webhooks/\(hook.id.lowercased)",
            data: ["webhook_id": hook.id.lowercased, "message": "A test delivery from Docket."])
        let stored = StoredEvent(
            id: UUID(), userID: owner, seq: 0, type: event.type.rawValue, subject: event.subject, occurredAt: Microseconds.now(),
            actorType: ChangeSource.Kind.user.rawValue, actorID: owner.lowercased, actorTool: nil, requestID: nil,
            schemaVersion: StoredEvent.schemaVersion, data: String(decoding: event.data, as: UTF8.self))
        let delivery = try await fanout.enqueue(
            eventID: stored.id, type: stored.type, body: stored.envelope, to: hook, on: database.sql(logger: logger))
        jobSignal.notify()
        return Delivery(record: delivery, attempts: [])
    }

    /// The endpoint's newest deliveries with their attempts.
    func deliveries(_ id: UUID, owner: UUID, limit: Int, logger: Logger) async throws -> [Delivery] {
        let hook = try await get(id, owner: owner, logger: logger)
        let records = try await store.deliveries(hook: hook.id, limit: limit, logger: logger)
        let attempts = try await store.attempts(of: records.map(\.id), logger: logger)
        return records.map { Delivery(record: $0, attempts: attempts[$0.id] ?? []) }
    }

    /// Sends a delivery's event again, as a new delivery with the same `webhook-id` (receivers deduplicate on it).
    func redeliver(_ id: UUID, delivery deliveryID: UUID, owner: UUID, logger: Logger) async throws -> Delivery {
        let hook = try await get(id, owner: owner, logger: logger)
        guard hook.enabled else { throw AppError(.conflict, "The webhook is disabled; enable it first.") }
        guard let original = try await store.delivery(deliveryID, hook: hook.id, logger: logger) else { throw AppError.notFound("No such delivery.") }
        let delivery = try await fanout.enqueue(
            eventID: original.eventID, type: original.eventType, body: original.body, to: hook, on: database.sql(logger: logger))
        jobSignal.notify()
        return Delivery(record: delivery, attempts: [])
    }

    private func apply(_ changes: Changes, to hook: inout WebhookRecord, requireURL: Bool) async throws {
        var errors: [FieldError] = []
        if let url = changes.url {
            switch WebhookTarget.parse(url) {
            case .failure(let refusal): errors.append(FieldError(pointer: "/url", message: refusal.message))
            case .success(let target):
                if let refusal = await refusal(of: target) { errors.append(FieldError(pointer: "/url", message: refusal)) }
                hook.url = url
            }
        } else if requireURL {
            errors.append(FieldError(pointer: "/url", message: "is required"))
        }
        if let types = changes.eventTypes {
            let known = Set(EventType.subscribable.map(\.rawValue))
            for (index, type) in types.enumerated() where !known.contains(type) {
                errors.append(FieldError(pointer: "/event_types/\(index)", message: "must be one of \(known.sorted().joined(separator: ", "))"))
            }
            hook.eventTypes = Array(Set(types)).sorted().joined(separator: ",")
        }
        if let description = changes.description {
            if let description, description.unicodeScalars.count > 500 || description.contains("\u{0}") {
                errors.append(FieldError(pointer: "/description", message: "must be at most 500 characters, without NUL"))
            }
            hook.description = description
        }
        if let enabled = changes.enabled { hook.enabled = enabled }
        try CredentialRules.check(errors)
    }

    /// Why `target` may not receive webhooks (its name does not resolve, or resolves to a refused address), or nil.
    private func refusal(of target: WebhookTarget) async -> String? {
        guard let addresses = try? await resolver.addresses(of: target.host, port: target.port) else {
            return "the host name does not resolve"
        }
        for address in addresses {
            if let reason = policy.refusal(of: address, port: target.port) {
                return "resolves to \(address.ipAddress ?? "an address") which is \(reason); webhooks reach public addresses only"
            }
        }
        return nil
    }
}
