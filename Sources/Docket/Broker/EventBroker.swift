import Foundation

/// A message broker that carries Docket's events to consumers in and outside Docket, at least once: one stream,
/// consumer groups that share its messages, acknowledgements, and redelivery of what a consumer took but did not
/// acknowledge. Redis Streams implement it today (`RedisEventBroker`); a maintained client can replace that one.
protocol EventBroker: Sendable {
    /// Appends `messages` in order.
    func publish(_ messages: [BrokerMessage]) async throws
    /// Returns once the broker answers (a reconnect and its backoff included); throws if it cannot be reached.
    func ready() async throws
    /// Creates `group` (reading the stream from its start) unless it exists.
    func createGroup(_ group: String) async throws
    /// Up to `limit` messages no member of `group` has received yet, waiting up to `wait` for the first.
    func receive(group: String, consumer: String, limit: Int, wait: Duration) async throws -> [BrokerDelivery]
    /// Takes over, for `consumer`, messages of `group` received by some member but unacknowledged for `idle`.
    func reclaim(group: String, consumer: String, idle: Duration, limit: Int) async throws -> [BrokerDelivery]
    /// Marks deliveries done for `group`.
    func acknowledge(_ deliveryIDs: [String], group: String) async throws
    /// How often the delivery has been handed out (this time included).
    func deliveryCount(of deliveryID: String, group: String) async throws -> Int
    /// Messages `group` has not finished: never delivered plus delivered but unacknowledged; throws
    /// `BrokerGroupMissing` when the group is gone (the broker lost it), which is never "nothing to do".
    func backlog(of group: String) async throws -> Int
    /// The position of the stream's newest entry (`BrokerPosition.start` when it is empty or gone).
    func newestPosition() async throws -> BrokerPosition
    /// The position of the newest entry handed to a member of `group`; nil when the group is gone.
    func deliveredPosition(of group: String) async throws -> BrokerPosition?
    /// Deletes every message about `userID`'s events (their personal data leaves with the account); returns how many.
    func erase(userID: UUID) async throws -> Int
    /// Closes the broker's connections.
    func close() async
}

/// One event as it travels on the broker: the CloudEvent document and, for routing and deduplication without parsing
/// it, its id, owner, number and type.
struct BrokerMessage: Sendable, Equatable {
    let eventID: String
    let userID: String
    let seq: Int64
    let type: String
    /// Microseconds since 1970 at which the change committed.
    let occurredAt: Int64
    /// The CloudEvents 1.0 JSON document (what webhooks and the feed carry).
    let event: String

    init(eventID: String, userID: String, seq: Int64, type: String, occurredAt: Int64, event: String) {
        self.eventID = eventID
        self.userID = userID
        self.seq = seq
        self.type = type
        self.occurredAt = occurredAt
        self.event = event
    }

    /// The message of a stored event.
    init(_ stored: StoredEvent) {
        self.init(
            eventID: stored.id.lowercased, userID: stored.userID.lowercased, seq: stored.seq, type: stored.type, occurredAt: stored.occurredAt,
            event: stored.envelope)
    }

    /// The broker fields, in the order the event contract documents them.
    var fields: [(String, String)] {
        [("id", eventID), ("user_id", userID), ("seq", String(seq)), ("type", type), ("occurred_at", String(occurredAt)), ("event", event)]
    }

    /// Reads the fields back; nil when one is missing or malformed (a poison message).
    init?(fields: [String: String]) {
        guard let eventID = fields["id"], let userID = fields["user_id"], let seq = fields["seq"].flatMap({ Int64($0) }), let type = fields["type"],
            let occurredAt = fields["occurred_at"].flatMap({ Int64($0) }), let event = fields["event"]
        else { return nil }
        self.init(eventID: eventID, userID: userID, seq: seq, type: type, occurredAt: occurredAt, event: event)
    }
}

/// A message handed to a consumer: the broker's id for this delivery and the message (nil if it cannot be read).
struct BrokerDelivery: Sendable {
    let id: String
    let message: BrokerMessage?
    /// The raw fields, kept for the dead-letter record of an unreadable message.
    let rawFields: [String: String]
}

/// A consumer group the broker no longer has (restarted without persistence, flushed, stream deleted): the consumer
/// creates it again.
struct BrokerGroupMissing: Error, CustomStringConvertible {
    let group: String
    var description: String { "the broker has no consumer group \(group)" }
}
