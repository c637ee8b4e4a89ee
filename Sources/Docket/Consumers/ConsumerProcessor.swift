import Foundation
import Logging
import SQLKit

/// Processes events for one consumer exactly once in effect: the inbox row (consumer, event id) and the consumer's
/// effect commit in one transaction, so a redelivered event finds its row and changes nothing.
struct ConsumerProcessor: Sendable {
    let database: DocketDatabase
    let consumer: any EventConsumer

    /// The consumer's name.
    var name: String { consumer.name }

    /// The consumer's group on the broker.
    var brokerGroup: String { "docket-" + consumer.name }

    /// Applies `event` unless the inbox has it; `alongside` runs in the same transaction either way (an offset to
    /// advance). Returns whether the effect was applied now.
    @discardableResult
    func process(
        _ event: ConsumedEvent, logger: Logger, alongside: (@Sendable (any SQLDatabase) async throws -> Void)? = nil
    ) async throws -> Bool {
        let consumer = self.consumer
        return try await database.transaction(logger: logger) { sql in
            let fresh = try await ConsumerInbox.record(event.id, consumer: consumer.name, on: sql)
            if fresh { try await consumer.apply(event, on: sql) }
            try await alongside?(sql)
            return fresh
        }
    }
}
