import Foundation
import Logging
import SQLKit
import ServiceLifecycle

/// Feeds one consumer straight from the outbox when no broker is configured: one node at a time (a lease) walks each
/// user's events after the consumer's offset for that user, and each event's effect, inbox row and new offset commit
/// together. An event that fails `maxAttempts` times becomes a dead letter and the walk moves past it.
final class OutboxConsumerRunner: Service, Sendable {
    private let processor: ConsumerProcessor
    private let deadLetters: DeadLetterStore
    private let settings: ConsumerSettings
    private let signal: WakeSignal
    private let metrics: DocketMetrics
    private let logger: Logger
    /// Opens once the schema is migrated.
    private let gate: StartGate
    private let store: EventStore
    private let leases: LeaseStore
    private let holder = "consumer-" + UUID().uuidString.lowercased()
    private let leaseTTL: Duration = .seconds(10)

    init(
        processor: ConsumerProcessor, deadLetters: DeadLetterStore, settings: ConsumerSettings, signal: WakeSignal, metrics: DocketMetrics,
        gate: StartGate, logger: Logger
    ) {
        self.processor = processor
        self.deadLetters = deadLetters
        self.settings = settings
        self.signal = signal
        self.metrics = metrics
        self.logger = logger
        self.gate = gate
        store = EventStore(database: processor.database)
        leases = LeaseStore(database: processor.database)
    }

    private var leaseName: String { "consumer-" + processor.name }

    func run() async throws {
        await cancelWhenGracefulShutdown { await self.loop() }
        try? await leases.release(leaseName, holder: holder, logger: logger)
    }

    private func loop() async {
        await gate.wait()
        var holding = false
        var renewedAt = ContinuousClock.Instant.now - .seconds(3600)
        var failures: [String: (count: Int, retryAt: ContinuousClock.Instant)] = [:]
        while !Task.isCancelled {
            do {
                if !holding || renewedAt.duration(to: .now) >= leaseTTL / 3 {
                    holding = try await leases.acquire(leaseName, holder: holder, ttl: leaseTTL, logger: logger)
                    renewedAt = .now
                }
                guard holding else {
                    await signal.wait(upTo: leaseTTL / 4)
                    continue
                }
                let worked = try await round(failures: &failures)
                if !worked { await signal.wait(upTo: .seconds(1)) }
            } catch {
                if Task.isCancelled { return }
                holding = false
                logger.warning(
                    "consumer cannot read the outbox",
                    metadata: ["consumer": .string(processor.name), "error": .string(DatabaseFailure.describe(error))])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Walks the users whose streams are ahead of the consumer; returns whether anything was processed.
    private func round(failures: inout [String: (count: Int, retryAt: ContinuousClock.Instant)]) async throws -> Bool {
        let name = processor.name
        let rows = try await processor.database.sql(logger: logger).raw(
            """
            SELECT s.user_id, s.last_seq, COALESCE(o.seq, 0) AS done FROM event_streams s
            LEFT JOIN consumer_offsets o ON o.consumer = \(bind: name) AND o.user_id = s.user_id
            WHERE s.last_seq > COALESCE(o.seq, 0) LIMIT 500
            """
        ).all()
        var worked = false
        var behind: Int64 = 0
        var oldest: Int64?
        for row in rows {
            let owner = try row.decode(column: "user_id", as: UUID.self)
            let last = try row.decode(column: "last_seq", as: Int64.self)
            let done = try row.decode(column: "done", as: Int64.self)
            behind += last - done
            let events = try await store.events(of: owner, after: done, limit: 500, logger: logger)
            if events.isEmpty {
                // Purged before this consumer saw them: move the offset to the head.
                try await advance(owner, to: last)
                continue
            }
            oldest = min(oldest ?? events[0].occurredAt, events[0].occurredAt)
            for stored in events {
                let event = ConsumedEvent(stored)
                if let failure = failures[event.id], failure.retryAt > .now { break }
                do {
                    let applied = try await processor.process(event, logger: logger) { sql in
                        try await Self.advance(name, owner, to: stored.seq, on: sql)
                    }
                    failures[event.id] = nil
                    metrics.consumed(consumer: name, outcome: applied ? "applied" : "duplicate")
                    worked = true
                } catch {
                    if DatabaseFailure.isUnavailable(error) { throw error }
                    metrics.consumed(consumer: name, outcome: "failed")
                    let attempts = (failures[event.id]?.count ?? 0) + 1
                    if attempts >= settings.maxAttempts {
                        try await deadLetter(stored, error: error, attempts: attempts)
                        failures[event.id] = nil
                        worked = true
                        continue
                    }
                    failures[event.id] = (attempts, .now + settings.retryDelay)
                    logger.warning(
                        "consumer failed an event; it will be retried",
                        metadata: ["consumer": .string(name), "event": .string(event.id), "attempt": "\(attempts)", "error": .string("\(error)")])
                    break
                }
            }
        }
        metrics.consumerLag(consumer: name, events: Int(behind), seconds: oldest.map { max(0, Double(Microseconds.now() - $0) / 1e6) } ?? 0)
        return worked
    }

    private func deadLetter(_ stored: StoredEvent, error: any Error, attempts: Int) async throws {
        let name = processor.name
        try await processor.deadLetter(stored, into: deadLetters, error: error, attempts: attempts, metrics: metrics, logger: logger) { sql in
            try await Self.advance(name, stored.userID, to: stored.seq, on: sql)
        }
    }

    private func advance(_ owner: UUID, to seq: Int64) async throws {
        try await Self.advance(processor.name, owner, to: seq, on: processor.database.sql(logger: logger))
    }

    /// Moves `consumer`'s offset for `owner` forward to `seq` (never back).
    static func advance(_ consumer: String, _ owner: UUID, to seq: Int64, on sql: any SQLDatabase) async throws {
        try await sql.raw(
            """
            INSERT INTO consumer_offsets (consumer, user_id, seq) VALUES (\(bind: consumer), \(bind: owner), \(bind: seq))
            ON CONFLICT (consumer, user_id) DO UPDATE SET seq = excluded.seq WHERE consumer_offsets.seq < excluded.seq
            """
        ).run()
    }
}
