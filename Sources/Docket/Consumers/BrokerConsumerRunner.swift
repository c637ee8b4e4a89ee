import Foundation
import Logging
import ServiceLifecycle

/// Feeds one consumer from the broker: it reads as a member of the consumer's group (one member per node, so nodes
/// share the work), acknowledges a message only after its effect committed, takes over messages another member left
/// unacknowledged for the retry delay, and turns a message that failed `maxAttempts` deliveries into a dead letter.
final class BrokerConsumerRunner: Service, Sendable {
    private let broker: any EventBroker
    private let processor: ConsumerProcessor
    private let deadLetters: DeadLetterStore
    private let settings: ConsumerSettings
    private let metrics: DocketMetrics
    private let logger: Logger
    /// Opens once the schema is migrated.
    private let gate: StartGate
    /// This node's name in the group.
    private let member = "node-" + UUID().uuidString.lowercased()
    private let batch = 100

    init(
        broker: any EventBroker, processor: ConsumerProcessor, deadLetters: DeadLetterStore, settings: ConsumerSettings, metrics: DocketMetrics,
        gate: StartGate, logger: Logger
    ) {
        self.broker = broker
        self.processor = processor
        self.deadLetters = deadLetters
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
        self.gate = gate
    }

    func run() async throws {
        await cancelWhenGracefulShutdown { await self.loop() }
    }

    private func loop() async {
        await gate.wait()
        let group = processor.brokerGroup
        var failures = 0
        var groupReady = false
        var reclaimedAt = ContinuousClock.Instant.now
        var measuredAt = ContinuousClock.Instant.now - .seconds(60)
        var newestApplied: Int64?
        var lastBacklog = 0
        var lastRead = ContinuousClock.Instant.now
        while !Task.isCancelled {
            do {
                if !groupReady {
                    try await broker.createGroup(group)
                    groupReady = true
                }
                var deliveries: [BrokerDelivery] = []
                if reclaimedAt.duration(to: .now) >= settings.retryDelay / 2 {
                    reclaimedAt = .now
                    deliveries = try await broker.reclaim(group: group, consumer: member, idle: settings.retryDelay, limit: batch)
                }
                if deliveries.isEmpty {
                    deliveries = try await broker.receive(group: group, consumer: member, limit: batch, wait: .seconds(1))
                }
                for delivery in deliveries {
                    if let applied = await handle(delivery, group: group) { newestApplied = applied }
                }
                if failures > 0 { logger.notice("consumer reading again", metadata: ["consumer": .string(group)]) }
                failures = 0
                lastRead = .now
                if measuredAt.duration(to: .now) >= .seconds(1) {
                    measuredAt = .now
                    let backlog = try await broker.backlog(of: group)
                    lastBacklog = backlog
                    let age = backlog > 0 ? newestApplied.map { Double(Microseconds.now() - $0) / 1e6 } ?? 0 : 0
                    metrics.consumerLag(consumer: processor.name, events: backlog, seconds: max(0, age))
                }
            } catch {
                if Task.isCancelled || error is CancellationError { return }
                // Whatever failed, the group is created again before the next read: a broker that lost it (NOGROUP
                // after a restart without persistence or a flush) would otherwise refuse every read for ever.
                groupReady = false
                failures += 1
                // While it cannot read, the lag is at least how long it has not read: never 0.
                metrics.consumerLag(
                    consumer: processor.name, events: lastBacklog, seconds: max(1e-3, lastRead.duration(to: .now) / .seconds(1)))
                logger.warning("consumer cannot read from the broker", metadata: ["consumer": .string(group), "error": .string("\(error)")])
                try? await Task.sleep(for: min(.seconds(5), .milliseconds(100) * (1 << min(failures, 6))))
            }
        }
    }

    /// Processes one delivery and acknowledges it when done; returns the event's time when it was applied or known.
    private func handle(_ delivery: BrokerDelivery, group: String) async -> Int64? {
        do {
            guard let message = delivery.message, let claimed = ConsumedEvent(message) else {
                throw UnreadableMessage(description: "the message lacks id, user_id, seq, type, occurred_at or event, or user_id is not a UUID")
            }
            let event = try await stored(claimed)
            let applied = try await processor.process(event, logger: logger)
            try await broker.acknowledge([delivery.id], group: group)
            metrics.consumed(consumer: processor.name, outcome: applied ? "applied" : "duplicate")
            return event.occurredAt
        } catch {
            metrics.consumed(consumer: processor.name, outcome: "failed")
            await giveUpIfExhausted(delivery, group: group, error: error)
            return nil
        }
    }

    /// The outbox's own copy of the event a message names: a stream entry only points at the outbox, so one written by
    /// anyone else (a forged `XADD`: an unknown event, or a known number with another id) changes nothing and becomes a
    /// dead letter at once; the event applied is always the stored one, whatever the entry's body says.
    private func stored(_ claimed: ConsumedEvent) async throws -> ConsumedEvent {
        let found = try await EventStore(database: processor.database).events(
            of: claimed.userID, after: claimed.seq - 1, through: claimed.seq, limit: 1, logger: logger)
        guard let event = found.first, event.id.lowercased == claimed.id.lowercased() else {
            throw UnreadableMessage(description: "the message names no event of the outbox (its owner, number and id must match one)")
        }
        return ConsumedEvent(event)
    }

    /// Dead-letters a delivery that failed its last allowed attempt (or can never be read); otherwise leaves it pending,
    /// to be taken over after the retry delay. A database outage never counts against a message.
    private func giveUpIfExhausted(_ delivery: BrokerDelivery, group: String, error: any Error) async {
        if DatabaseFailure.isUnavailable(error) {
            logger.warning(
                "consumer waits for the database", metadata: ["consumer": .string(group), "error": .string(DatabaseFailure.describe(error))])
            return
        }
        do {
            let attempts = try await broker.deliveryCount(of: delivery.id, group: group)
            guard error is UnreadableMessage || attempts >= settings.maxAttempts else {
                logger.warning(
                    "consumer failed a message; it will be retried",
                    metadata: ["consumer": .string(group), "message": .string(delivery.id), "attempt": "\(attempts)", "error": .string("\(error)")])
                return
            }
            let fields = delivery.rawFields
            let store = deadLetters
            try await processor.database.transaction(logger: logger) { sql in
                try await store.insert(consumer: self.processor.name, fields: fields, error: "\(error)", attempts: attempts, on: sql)
            }
            try await broker.acknowledge([delivery.id], group: group)
            metrics.consumed(consumer: processor.name, outcome: "dead_lettered")
            metrics.deadLetters(consumer: processor.name, count: (try? await deadLetters.count(consumer: processor.name, logger: logger)) ?? 0)
            logger.error(
                "consumer gave up on a message: it is a dead letter",
                metadata: ["consumer": .string(group), "message": .string(delivery.id), "attempts": "\(attempts)", "error": .string("\(error)")])
        } catch {
            logger.warning(
                "consumer could not dead-letter a message; it stays pending", metadata: ["consumer": .string(group), "error": .string("\(error)")])
        }
    }
}
