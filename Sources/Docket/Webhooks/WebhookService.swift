import Foundation
import Logging
import NIOCore
import SQLKit

/// Webhook endpoints of a user: create (with a secret shown once), change, rotate the secret with an overlap, delete,
/// test-send, and the record of deliveries with their attempts (redeliver one).
struct WebhookService: Sendable {
    /// Endpoints one user may have.
    static let maxPerUser = 20

    let store: WebhookStore
    let fanout: WebhookFanout
    let resolver: any AddressResolver
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
    /// Read and written with the row's `updated_at` as a version, so a concurrent change (a rotation, Docket disabling
    /// the endpoint) is never overwritten with what was read before it.
    func update(_ id: UUID, owner: UUID, _ changes: Changes, logger: Logger) async throws -> WebhookRecord {
        for _ in 0..<5 {
            let read = try await get(id, owner: owner, logger: logger)
            var hook = read
            try await apply(changes, to: &hook, requireURL: false)
            if changes.enabled == true { hook.disabledReason = nil }
            hook.updatedAt = max(Microseconds.now(), read.updatedAt + 1)
            if try await store.update(hook, readAt: read.updatedAt, logger: logger) { return hook }
        }
        throw AppError(.conflict, "The webhook is being changed concurrently; retry.")
    }

    func delete(_ id: UUID, owner: UUID, logger: Logger) async throws {
        guard try await store.delete(id, owner: owner, logger: logger) else { throw AppError.notFound("No such webhook.") }
    }

    /// Replaces the secret; the old one keeps signing (next to the new) for `overlapSeconds`.
    func rotateSecret(_ id: UUID, owner: UUID, overlapSeconds: Int, origin: RequestOrigin, logger: Logger) async throws -> WebhookRecord {
        guard (0...604_800).contains(overlapSeconds) else {
            throw AppError.validation([FieldError(pointer: "/overlap_seconds", message: "must be between 0 and 604800")])
        }
        let read = try await get(id, owner: owner, logger: logger)
        var hook = read
        let now = max(Microseconds.now(), read.updatedAt + 1)
        hook.previousSecret = overlapSeconds > 0 ? hook.secret : nil
        hook.previousSecretExpiresAt = overlapSeconds > 0 ? now + Int64(overlapSeconds) * 1_000_000 : nil
        hook.secret = WebhookSignature.newSecret()
        hook.secretRotatedAt = now
        hook.updatedAt = now
        guard try await store.update(hook, readAt: read.updatedAt, logger: logger) else {
            throw AppError(.conflict, "The webhook changed while its secret was rotated; rotate again.")
        }
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
        let fanout = self.fanout
        let delivery = try await database.transaction(logger: logger) { sql in
            try await fanout.enqueue(eventID: stored.id, type: stored.type, body: stored.envelope, to: hook, on: sql)
        }
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
        let fanout = self.fanout
        let delivery = try await database.transaction(logger: logger) { sql in
            try await fanout.enqueue(eventID: original.eventID, type: original.eventType, body: original.body, to: hook, on: sql)
        }
        jobSignal.notify()
        return Delivery(record: delivery, attempts: [])
    }

    private func apply(_ changes: Changes, to hook: inout WebhookRecord, requireURL: Bool) async throws {
        var errors: [FieldError] = []
        if let url = changes.url {
            switch WebhookTarget.parse(url) {
            case .failure(let refusal): errors.append(FieldError(pointer: "/url", message: refusal.message))
            case .success(let target):
                if let refusal = try await refusal(of: target) { errors.append(FieldError(pointer: "/url", message: refusal)) }
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

    /// Why `target` may not receive webhooks (its name does not exist, or resolves to a refused address), or nil; a
    /// resolver that cannot answer now is a 503. The message never says which address a name resolved to (that would
    /// let callers map internal names).
    private func refusal(of target: WebhookTarget) async throws -> String? {
        let addresses: [SocketAddress]
        do {
            addresses = try await resolver.addresses(of: target.host, port: target.port)
        } catch let failure as HostResolver.ResolutionFailure where failure.temporary {
            throw AppError(.serviceUnavailable, "The host name could not be resolved just now; try again shortly.", headers: [.retryAfter: "5"])
        } catch {
            return "the host name does not resolve"
        }
        if addresses.contains(where: { policy.refusal(of: $0, port: target.port) != nil }) {
            return "must resolve to public addresses only (not private, loopback, link-local, shared or reserved ones)"
        }
        return nil
    }
}
