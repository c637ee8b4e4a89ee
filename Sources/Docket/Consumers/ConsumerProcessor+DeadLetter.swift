import Foundation
import Logging
import SQLKit

extension ConsumerProcessor {
    /// Records `stored`, which failed `attempts` times with `error`, as one of this consumer's dead letters; `alongside`
    /// commits with it (an offset to move past the event). Counts and logs it.
    func deadLetter(
        _ stored: StoredEvent, into deadLetters: DeadLetterStore, error: any Error, attempts: Int, metrics: DocketMetrics, logger: Logger,
        alongside: @escaping @Sendable (any SQLDatabase) async throws -> Void
    ) async throws {
        let name = self.name
        let fields = Dictionary(uniqueKeysWithValues: BrokerMessage(stored).fields)
        try await database.transaction(logger: logger) { sql in
            try await deadLetters.insert(consumer: name, fields: fields, error: "\(error)", attempts: attempts, on: sql)
            try await alongside(sql)
        }
        metrics.consumed(consumer: name, outcome: "dead_lettered")
        metrics.deadLetters(consumer: name, count: (try? await deadLetters.count(consumer: name, logger: logger)) ?? 0)
        logger.error(
            "consumer gave up on an event: it is a dead letter",
            metadata: ["consumer": .string(name), "event": .string(stored.id.lowercased), "attempts": "\(attempts)", "error": .string("\(error)")])
    }
}
