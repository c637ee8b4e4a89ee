import Foundation
import Logging
import SQLKit
import ServiceLifecycle

/// Makes good, for one of Docket's consumers fed by the broker, the events the broker lost before the consumer read
/// them (a flush, a restart without persistence, an append-only file that lost its last second, trimming): one node at
/// a time (a lease) walks each user's published events after the consumer's offset, and an event found in neither the
/// consumer's inbox nor its dead letters, after the wait and after the consumer's group was handed everything the
/// stream held when it was first found missing (`MissedEventTracker`), is applied from the outbox. The offset then
/// moves past every event known to be done, so each walk starts where the last one could prove everything processed.
final class MissedEventSweeper: Service, Sendable {
    private let broker: any EventBroker
    private let processor: ConsumerProcessor
    private let deadLetters: DeadLetterStore
    private let settings: ConsumerSettings
    private let metrics: DocketMetrics
    private let logger: Logger
    /// Opens once the schema is migrated.
    private let gate: StartGate
    private let store: EventStore
    private let leases: LeaseStore
    private let holder = "sweeper-" + UUID().uuidString.lowercased()
    private let leaseTTL: Duration = .seconds(10)
    /// Users per query, and events per user per walk.
    private let usersPerRound = 500
    private let eventsPerUser = 500

    init(
        broker: any EventBroker, processor: ConsumerProcessor, deadLetters: DeadLetterStore, settings: ConsumerSettings, metrics: DocketMetrics,
        gate: StartGate,
        logger: Logger
    ) {
        self.broker = broker
        self.processor = processor
        self.deadLetters = deadLetters
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
        self.gate = gate
        store = EventStore(database: processor.database)
        leases = LeaseStore(database: processor.database)
    }

    private var leaseName: String { "sweeper-" + processor.name }

    /// How long an event waits before it can count as lost: the setting, but never less than a failing message's
    /// retries on the broker (so the consumer's own dead-lettering is not raced).
    private var missedAfter: Duration { max(settings.missedAfter, settings.retryDelay * (settings.maxAttempts + 1)) }

    /// How often the sweep runs: often enough that an event is applied soon after it becomes due.
    private var interval: Duration { min(.seconds(5), max(.milliseconds(250), missedAfter / 4)) }

    func run() async throws {
        await cancelWhenGracefulShutdown { await self.loop() }
        try? await leases.release(leaseName, holder: holder, logger: logger)
    }

    private func loop() async {
        await gate.wait()
        var tracker = MissedEventTracker(missedAfter: missedAfter)
        var cursor: UUID?
        var cycleStarted = ContinuousClock.now
        var holding = false
        var renewedAt = ContinuousClock.Instant.now - .seconds(3600)
        while !Task.isCancelled {
            do {
                if !holding || renewedAt.duration(to: .now) >= leaseTTL / 3 {
                    holding = try await leases.acquire(leaseName, holder: holder, ttl: leaseTTL, logger: logger)
                    renewedAt = .now
                }
                if holding {
                    cursor = try await sweep(after: cursor, tracker: &tracker)
                    if cursor == nil {
                        // A sweep over every user ended: what it did not see again was processed meanwhile.
                        tracker.prune(notSeenSince: cycleStarted)
                        cycleStarted = .now
                    }
                }
            } catch {
                if Task.isCancelled { return }
                holding = false
                logger.warning(
                    "missed-event sweep failed", metadata: ["consumer": .string(processor.name), "error": .string(DatabaseFailure.describe(error))])
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// Walks up to `usersPerRound` users after `cursor` whose published events run past the consumer's offset, for at
    /// most a third of the lease; returns where the next sweep continues (nil: from the first user again).
    func sweep(after cursor: UUID?, tracker: inout MissedEventTracker) async throws -> UUID? {
        let name = processor.name
        let after = cursor.map { SQLQueryString("AND s.user_id > \(bind: $0)") } ?? ""
        let rows = try await processor.database.sql(logger: logger).raw(
            """
            SELECT s.user_id, s.published_seq, COALESCE(o.seq, 0) AS done FROM event_streams s
            LEFT JOIN consumer_offsets o ON o.consumer = \(bind: name) AND o.user_id = s.user_id
            WHERE s.published_seq > COALESCE(o.seq, 0) \(after) ORDER BY s.user_id LIMIT \(literal: usersPerRound)
            """
        ).all()
        guard !rows.isEmpty else { return nil }
        // Read after the published marks: every event counted published above was appended before `newest`.
        let view = BrokerView(newest: try await broker.newestPosition(), delivered: try await broker.deliveredPosition(of: processor.brokerGroup))
        let started = ContinuousClock.now
        var advances: [(owner: UUID, seq: Int64)] = []
        var recovered = 0
        var reachedUser = cursor
        var finished = true
        for row in rows {
            if started.duration(to: .now) >= leaseTTL / 3 {
                finished = false
                break
            }
            let owner = try row.decode(column: "user_id", as: UUID.self)
            let published = try row.decode(column: "published_seq", as: Int64.self)
            let done = try row.decode(column: "done", as: Int64.self)
            let reached = try await walk(owner, after: done, through: published, broker: view, tracker: &tracker, recovered: &recovered)
            if reached > done { advances.append((owner, reached)) }
            reachedUser = owner
        }
        if !advances.isEmpty {
            try await processor.database.transaction(logger: logger) { [advances] sql in
                for (owner, seq) in advances { try await OutboxConsumerRunner.advance(name, owner, to: seq, on: sql) }
            }
        }
        if recovered > 0 {
            logger.warning(
                "the broker lost events before this consumer read them; they were applied from the outbox",
                metadata: ["consumer": .string(name), "events": "\(recovered)"])
        }
        return !finished || rows.count == usersPerRound ? reachedUser : nil
    }

    /// Where the broker's stream ends and how far the consumer's group has been handed it, read once per sweep.
    private struct BrokerView {
        let newest: BrokerPosition
        let delivered: BrokerPosition?
    }

    /// Checks `owner`'s published events after `done` against the inbox and dead letters, applies the due ones from
    /// the outbox, and returns the number up to which every event is done.
    private func walk(
        _ owner: UUID, after done: Int64, through published: Int64, broker: BrokerView, tracker: inout MissedEventTracker, recovered: inout Int
    ) async throws -> Int64 {
        let events = try await store.events(of: owner, after: done, through: published, limit: eventsPerUser, logger: logger)
        // Nothing stored after the offset: the rest was purged; nothing is left to check.
        guard let first = events.first else { return published }
        let finished = try await processedIDs(of: events.map { $0.id.lowercased })
        // Events before the first stored one were purged.
        var reached = first.seq - 1
        var contiguous = true
        for stored in events {
            let id = stored.id.lowercased
            var isDone = finished.contains(id)
            if !isDone, tracker.observe(id, at: .now, newest: broker.newest, delivered: broker.delivered) == .due {
                isDone = try await recover(stored, tracker: &tracker)
                if isDone { recovered += 1 }
            }
            if isDone {
                tracker.forget(id)
                if contiguous { reached = stored.seq }
            } else {
                contiguous = false
            }
        }
        return reached
    }

    /// Applies a missed event from the outbox; after `maxAttempts` failures it becomes a dead letter. Returns whether
    /// it is done.
    private func recover(_ stored: StoredEvent, tracker: inout MissedEventTracker) async throws -> Bool {
        do {
            let applied = try await processor.process(ConsumedEvent(stored), logger: logger)
            metrics.consumed(consumer: processor.name, outcome: applied ? "recovered" : "duplicate")
            return true
        } catch {
            if DatabaseFailure.isUnavailable(error) { throw error }
            metrics.consumed(consumer: processor.name, outcome: "failed")
            let attempts = tracker.failed(stored.id.lowercased)
            guard attempts >= settings.maxAttempts else {
                logger.warning(
                    "consumer failed a missed event; it will be retried",
                    metadata: [
                        "consumer": .string(processor.name), "event": .string(stored.id.lowercased), "attempt": "\(attempts)",
                        "error": .string("\(error)"),
                    ])
                return false
            }
            try await processor.deadLetter(stored, into: deadLetters, error: error, attempts: attempts, metrics: metrics, logger: logger) { _ in }
            return true
        }
    }

    /// The ids among `ids` the consumer processed or gave up on.
    private func processedIDs(of ids: [String]) async throws -> Set<String> {
        let sql = processor.database.sql(logger: logger)
        let name = processor.name
        var found = Set(
            try await sql.raw("SELECT message_id FROM consumer_inbox WHERE consumer = \(bind: name) AND message_id IN (\(binds: ids))").all()
                .map { try $0.decode(column: "message_id", as: String.self) })
        let rest = ids.filter { !found.contains($0) }
        if !rest.isEmpty {
            for row in try await sql.raw("SELECT message_id FROM dead_letters WHERE consumer = \(bind: name) AND message_id IN (\(binds: rest))")
                .all()
            {
                found.insert(try row.decode(column: "message_id", as: String.self))
            }
        }
        return found
    }
}
