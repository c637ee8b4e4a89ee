import Foundation
import SQLKit

/// Writes events in the transaction of the change they describe (the transactional outbox), so an event exists if and
/// only if its change committed; then wakes the live feeds. On PostgreSQL the wake-up of other nodes is a `NOTIFY` sent
/// in the same transaction, which PostgreSQL delivers only on commit.
struct EventOutbox: Sendable {
    /// The PostgreSQL notification channel; the payload is the user id (the table is the source of truth).
    static let channel = "docket_events"

    let hub: EventHub
    let webhooks: WebhookFanout
    /// Wakes this node's job worker when a commit enqueued webhook deliveries.
    let jobSignal: WakeSignal

    /// Numbers `event` in `owner`'s stream and stores it through `sql`, which must be the change's transaction; enqueues
    /// the deliveries of the owner's matching webhooks in the same transaction.
    @discardableResult
    func append(_ event: PendingEvent, owner: UUID, source: ChangeSource, on sql: any SQLDatabase) async throws -> StoredEvent {
        guard
            let seq = try await sql.raw(
                """
                INSERT INTO event_streams (user_id, last_seq) VALUES (\(bind: owner), 1)
                ON CONFLICT (user_id) DO UPDATE SET last_seq = event_streams.last_seq + 1 RETURNING last_seq
                """
            ).first()?.decode(column: "last_seq", as: Int64.self)
        else { throw AppError(.internalError, "the event stream could not be numbered") }
        let stored = StoredEvent(
            id: UUID(), userID: owner, seq: seq, type: event.type.rawValue, subject: event.subject, occurredAt: Microseconds.now(),
            actorType: source.kind.rawValue, actorID: source.id?.lowercased, actorTool: source.tool, requestID: source.requestID,
            schemaVersion: StoredEvent.schemaVersion, data: String(decoding: event.data, as: UTF8.self))
        try await sql.insert(into: "events").model(stored, nilEncodingStrategy: .asNil).run()
        if sql.dialect.name == "postgresql" {
            try await sql.raw("SELECT pg_notify(\(bind: Self.channel), \(bind: owner.lowercased))").run()
        }
        try await webhooks.enqueueDeliveries(of: stored, on: sql)
        return stored
    }

    /// Tells this node's feeds that `owner`'s stream grew; call after the transaction committed.
    func committed(_ owner: UUID) {
        hub.wake(owner)
        if webhooks.pending.take(owner) { jobSignal.notify() }
    }
}
