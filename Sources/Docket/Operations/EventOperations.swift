import Foundation
import Logging

/// Operator tasks behind `docket events dead-letters` and `docket stats rebuild`.
public struct EventOperations: Sendable {
    let database: DocketDatabase
    let deadLetters: DeadLetterStore
    let logger: Logger

    /// Tasks against `database`.
    public init(database: DocketDatabase, logger: Logger) {
        self.database = database
        self.deadLetters = DeadLetterStore(database: database)
        self.logger = logger
    }

    /// One dead letter as the CLI shows it.
    public struct DeadLetter: Sendable {
        public let id: UUID
        public let consumer: String
        public let messageID: String
        public let userID: UUID?
        public let eventType: String?
        public let error: String
        public let attempts: Int
        public let createdAt: Date
    }

    /// Dead letters, oldest first, optionally of one consumer.
    public func deadLetters(consumer: String?, limit: Int) async throws -> [DeadLetter] {
        try await deadLetters.list(consumer: consumer, limit: limit, logger: logger).map { record in
            let fields = (try? JSONSerialization.jsonObject(with: Data(record.payload.utf8))) as? [String: Any]
            return DeadLetter(
                id: record.id, consumer: record.consumer, messageID: record.messageID, userID: record.userID, eventType: fields?["type"] as? String,
                error: record.error, attempts: record.attempts, createdAt: Microseconds.date(record.createdAt))
        }
    }

    /// Runs a dead letter through its consumer again; it is removed in the same transaction when that succeeds (or the
    /// inbox shows the event was processed meanwhile). Throws when it fails again (it then stays).
    public func retryDeadLetter(_ id: UUID) async throws {
        guard let record = try await deadLetters.find(id, logger: logger) else {
            throw AdminTaskError("no dead letter \(id.uuidString.lowercased())")
        }
        guard let consumer = Self.consumer(named: record.consumer) else { throw AdminTaskError("no consumer named \(record.consumer)") }
        let fields = (try? JSONSerialization.jsonObject(with: Data(record.payload.utf8))) as? [String: String] ?? [:]
        guard let message = BrokerMessage(fields: fields), let event = ConsumedEvent(message) else {
            throw AdminTaskError("dead letter \(id.uuidString.lowercased()) cannot be read as an event; drop it")
        }
        let store = deadLetters
        try await ConsumerProcessor(database: database, consumer: consumer).process(event, logger: logger) { sql in
            try await store.delete(id, on: sql)
        }
    }

    /// Deletes a dead letter and records its event as handled in the consumer's inbox, so that nothing (the sweep
    /// for events the broker lost) applies it later; throws when there is none with `id`.
    public func dropDeadLetter(_ id: UUID) async throws {
        guard let record = try await deadLetters.find(id, logger: logger) else {
            throw AdminTaskError("no dead letter \(id.uuidString.lowercased())")
        }
        let store = deadLetters
        let existed = try await database.transaction(logger: logger) { sql in
            guard try await store.delete(id, on: sql) else { return false }
            _ = try await ConsumerInbox.record(record.messageID, consumer: record.consumer, on: sql)
            return true
        }
        guard existed else { throw AdminTaskError("no dead letter \(id.uuidString.lowercased())") }
    }

    /// What `rebuildStatistics` did.
    public struct RebuildSummary: Sendable {
        public let replayedUsers: Int
        public let seededUsers: Int
        public let events: Int
    }

    /// Recreates the statistics read model from the outbox, for every user or one.
    public func rebuildStatistics(only owner: UUID? = nil) async throws -> RebuildSummary {
        let outcome = try await StatsRebuilder(database: database).rebuild(only: owner, logger: logger)
        return RebuildSummary(replayedUsers: outcome.replayedUsers, seededUsers: outcome.seededUsers, events: outcome.events)
    }

    /// Docket's consumers by name.
    static func consumer(named name: String) -> (any EventConsumer)? {
        name == StatsProjector.consumerName ? StatsProjector() : nil
    }
}
