import Foundation
import SQLKit

/// One of Docket's own consumers of its events (the statistics read model): applies an event's effect inside the
/// transaction it is given, which also records the event in the consumer's inbox. Effects must tolerate events of one
/// user arriving out of order or again (several nodes share a broker's consumer group).
protocol EventConsumer: Sendable {
    /// The consumer's name: its consumer group on the broker and its key in the inbox, offsets and dead letters.
    var name: String { get }
    /// Applies `event` through `sql`, the transaction that records it as processed.
    func apply(_ event: ConsumedEvent, on sql: any SQLDatabase) async throws
}

/// An event as a consumer receives it, from the broker or from the outbox.
struct ConsumedEvent: Sendable, Equatable {
    let id: String
    let userID: UUID
    let seq: Int64
    let type: String
    /// Microseconds since 1970.
    let occurredAt: Int64
    /// The CloudEvents 1.0 JSON document.
    let document: String

    init(id: String, userID: UUID, seq: Int64, type: String, occurredAt: Int64, document: String) {
        self.id = id
        self.userID = userID
        self.seq = seq
        self.type = type
        self.occurredAt = occurredAt
        self.document = document
    }

    /// The event of a broker message; nil when the owner is not a user id.
    init?(_ message: BrokerMessage) {
        guard let owner = UUID(uuidString: message.userID) else { return nil }
        self.init(id: message.eventID, userID: owner, seq: message.seq, type: message.type, occurredAt: message.occurredAt, document: message.event)
    }

    /// The event as the outbox stores it.
    init(_ stored: StoredEvent) {
        self.init(
            id: stored.id.lowercased, userID: stored.userID, seq: stored.seq, type: stored.type, occurredAt: stored.occurredAt,
            document: stored.envelope)
    }
}

/// A message no attempt can process (it cannot be read): it becomes a dead letter at once.
struct UnreadableMessage: Error, CustomStringConvertible {
    let description: String
}
