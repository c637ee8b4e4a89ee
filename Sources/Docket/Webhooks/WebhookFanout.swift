import Foundation
import SQLKit

/// Turns a stored event into deliveries for its owner's enabled endpoints that want its type, in the event's own
/// transaction: each delivery is a row and a job, so it is sent (at least once) if and only if the change committed.
struct WebhookFanout: Sendable {
    static let jobKind = "deliver_webhook"

    let store: WebhookStore
    let jobs: JobStore
    let maxAttempts: Int
    /// Owners with deliveries enqueued since their last commit, so the job worker is woken only when there is work.
    let pending = PendingOwners()

    /// The job payload: which delivery to attempt.
    struct Payload: Codable {
        let delivery: UUID
    }

    /// Enqueues a delivery of each of `events` (all of `owner`) to each matching endpoint; returns how many.
    @discardableResult
    func enqueueDeliveries(of events: [StoredEvent], owner: UUID, on sql: any SQLDatabase) async throws -> Int {
        let hooks = try await store.enabled(owner: owner, on: sql)
        guard !hooks.isEmpty else { return 0 }
        var count = 0
        for event in events {
            for hook in hooks where hook.wants(event.type) {
                try await enqueue(eventID: event.id, type: event.type, body: event.envelope, to: hook, on: sql)
                count += 1
            }
        }
        if count > 0 { pending.insert(owner) }
        return count
    }

    /// Enqueues one delivery of `body` to `hook`.
    @discardableResult
    func enqueue(eventID: UUID, type: String, body: String, to hook: WebhookRecord, on sql: any SQLDatabase) async throws -> WebhookDeliveryRecord {
        let now = Microseconds.now()
        let delivery = WebhookDeliveryRecord(
            id: UUID(), webhookID: hook.id, userID: hook.userID, eventID: eventID, eventType: type, body: body, state: "pending",
            createdAt: now, updatedAt: now)
        try await store.insert(delivery, on: sql)
        let payload = String(decoding: try JSONEncoder().encode(Payload(delivery: delivery.id)), as: UTF8.self)
        try await jobs.insert(JobRecord.new(kind: Self.jobKind, payload: payload, owner: hook.userID, maxAttempts: maxAttempts, now: now), on: sql)
        return delivery
    }
}
