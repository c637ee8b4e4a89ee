import Foundation
import Logging
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
    let database: DocketDatabase

    /// Numbers `event` in `owner`'s stream and stores it through `sql`, which must be the change's transaction; enqueues
    /// the deliveries of the owner's matching webhooks in the same transaction.
    @discardableResult
    func append(_ event: PendingEvent, owner: UUID, source: ChangeSource, on sql: any SQLDatabase) async throws -> StoredEvent {
        try await append([event], owner: owner, source: source, on: sql)[0]
    }

    /// `append(_:owner:source:on:)` for several events of one owner (a job's batch): one numbering, one insert, one
    /// look at the webhooks, one notification.
    @discardableResult
    func append(_ events: [PendingEvent], owner: UUID, source: ChangeSource, on sql: any SQLDatabase) async throws -> [StoredEvent] {
        guard !events.isEmpty else { return [] }
        let count = Int64(events.count)
        guard
            let last = try await sql.raw(
                """
                INSERT INTO event_streams (user_id, last_seq) VALUES (\(bind: owner), \(bind: count))
                ON CONFLICT (user_id) DO UPDATE SET last_seq = event_streams.last_seq + \(bind: count) RETURNING last_seq
                """
            ).first()?.decode(column: "last_seq", as: Int64.self)
        else { throw AppError(.internalError, "the event stream could not be numbered") }
        let now = Microseconds.now()
        let stored = events.enumerated().map { offset, event in
            StoredEvent(
                id: UUID(), userID: owner, seq: last - count + 1 + Int64(offset), type: event.type.rawValue, subject: event.subject,
                occurredAt: now, actorType: source.kind.rawValue, actorID: source.id?.lowercased, actorTool: source.tool,
                requestID: source.requestID, schemaVersion: StoredEvent.schemaVersion, data: String(decoding: event.data, as: UTF8.self))
        }
        try await sql.insert(into: "events").models(stored, nilEncodingStrategy: .asNil).run()
        if sql.dialect.name == "postgresql" {
            try await sql.raw("SELECT pg_notify(\(bind: Self.channel), \(bind: owner.lowercased))").run()
        }
        try await webhooks.enqueueDeliveries(of: stored, owner: owner, on: sql)
        return stored
    }

    /// Ends `owner`'s live feeds on this node and, on PostgreSQL, on every other node (a `close:` notification), after
    /// the account was signed out everywhere, deactivated, or one of its tokens revoked.
    func closeFeeds(of owner: UUID, logger: Logger) async {
        hub.close(owner)
        guard case .postgres = database.location else { return }
        do {
            try await database.sql(logger: logger).raw("SELECT pg_notify(\(bind: Self.channel), \(bind: "close:" + owner.lowercased))").run()
        } catch {
            logger.warning("could not tell other nodes to close a user's feeds", metadata: ["error": .string(DatabaseFailure.describe(error))])
        }
    }

    /// Tells this node's feeds that `owner`'s stream grew; call after the transaction committed.
    func committed(_ owner: UUID) {
        hub.wake(owner)
        if webhooks.pending.take(owner) { jobSignal.notify() }
    }
}
