import Foundation
import Logging
import SQLKit
import ServiceLifecycle

/// Publishes the outbox to the broker: each user's events in their order, at least once. One node at a time holds
/// the relay's lease; it publishes a round of events, then records how far each user's stream is published, so a node
/// that dies mid-round leaves those events to be published again by the next holder (consumers drop the duplicates).
/// While the broker is down, writes go on and events wait in the outbox; every node reports the backlog.
final class OutboxRelay: Service, Sendable {
    static let leaseName = "event-relay"

    private let database: DocketDatabase
    private let broker: any EventBroker
    private let settings: BrokerSettings
    private let signal: WakeSignal
    private let metrics: DocketMetrics
    private let logger: Logger
    /// Opens once the schema is migrated.
    private let gate: StartGate
    private let holder = "relay-" + UUID().uuidString.lowercased()
    private let store: EventStore
    private let leases: LeaseStore
    /// Users read per round, and events per user per round.
    private let usersPerRound = 200
    private let eventsPerUser = 500
    /// The most messages one publish sends.
    private let publishBatch = 1000

    init(
        database: DocketDatabase, broker: any EventBroker, settings: BrokerSettings, signal: WakeSignal, metrics: DocketMetrics, gate: StartGate,
        logger: Logger
    ) {
        self.database = database
        self.broker = broker
        self.settings = settings
        self.signal = signal
        self.metrics = metrics
        self.logger = logger
        self.gate = gate
        store = EventStore(database: database)
        leases = LeaseStore(database: database)
    }

    func run() async throws {
        await cancelWhenGracefulShutdown { await self.loop() }
        try? await leases.release(Self.leaseName, holder: holder, logger: logger)
    }

    private func loop() async {
        await gate.wait()
        let ttl = Duration.seconds(settings.leaseSeconds)
        var holding = false
        var renewedAt = ContinuousClock.Instant.now - .seconds(3600)
        var measuredAt = renewedAt
        var failures = 0
        while !Task.isCancelled {
            if measuredAt.duration(to: .now) >= .seconds(1) {
                measuredAt = .now
                await measureBacklog()
            }
            if !holding || renewedAt.duration(to: .now) >= ttl / 3 {
                holding = await renewLease(wasHolding: holding, ttl: ttl)
                renewedAt = .now
            }
            guard holding else {
                await signal.wait(upTo: ttl / 4)
                continue
            }
            do {
                if failures > 0 {
                    // Recovering: a reconnect (and its backoff) can outlast the lease, and a round published after
                    // another node took the lease over is published twice. So first wait for the broker, then renew
                    // the lease, and only then read the round, which a live connection publishes in milliseconds.
                    try await broker.ready()
                    holding = await renewLease(wasHolding: holding, ttl: ttl)
                    renewedAt = .now
                    guard holding else { continue }
                }
                let published = try await publishRound()
                if failures > 0 { logger.notice("event relay publishing again", metadata: ["after_failures": "\(failures)"]) }
                failures = 0
                if published == 0 { await signal.wait(upTo: .milliseconds(500)) }
            } catch {
                failures += 1
                metrics.relayFailed()
                logger.warning(
                    "event relay could not publish; events wait in the outbox", metadata: ["error": .string("\(error)"), "attempt": "\(failures)"])
                try? await Task.sleep(for: min(.seconds(5), .milliseconds(100) * (1 << min(failures, 6))))
            }
        }
    }

    /// Takes or renews the relay's lease for `ttl`, logging when it changes hands or cannot be renewed; returns whether
    /// this node holds it.
    private func renewLease(wasHolding: Bool, ttl: Duration) async -> Bool {
        do {
            let held = try await leases.acquire(Self.leaseName, holder: holder, ttl: ttl, logger: logger)
            if held != wasHolding {
                logger.notice(held ? "event relay lease taken" : "event relay lease lost", metadata: ["holder": .string(holder)])
            }
            return held
        } catch {
            logger.warning("event relay lease could not be renewed", metadata: ["error": .string(DatabaseFailure.describe(error))])
            return false
        }
    }

    /// Publishes up to a round's worth of unpublished events and records the progress; returns how many. The round goes
    /// out in pipelines of at most `publishBatch` messages, each under the broker client's command deadline and each
    /// recorded before the next is sent, so a backlog of any size drains and a failure repeats at most one batch.
    func publishRound() async throws -> Int {
        let sql = database.sql(logger: logger)
        let streams = try await sql.raw(
            """
            SELECT user_id, published_seq, last_seq FROM event_streams WHERE last_seq > published_seq
            ORDER BY user_id LIMIT \(literal: usersPerRound)
            """
        ).all()
        var messages: [(owner: UUID, message: BrokerMessage)] = []
        var purged: [(owner: UUID, seq: Int64)] = []
        for row in streams {
            let owner = try row.decode(column: "user_id", as: UUID.self)
            let published = try row.decode(column: "published_seq", as: Int64.self)
            let last = try row.decode(column: "last_seq", as: Int64.self)
            let events = try await store.events(of: owner, after: published, limit: eventsPerUser, logger: logger)
            // No stored events after the mark: they were purged before a broker saw them; nothing is left to publish.
            if events.isEmpty { purged.append((owner, last)) }
            messages += events.map { (owner, BrokerMessage($0)) }
        }
        guard !streams.isEmpty else { return 0 }
        for start in stride(from: 0, to: messages.count, by: publishBatch) {
            let batch = messages[start..<min(start + publishBatch, messages.count)]
            try await broker.publish(batch.map(\.message))
            var marks: [UUID: Int64] = [:]
            for (owner, message) in batch { marks[owner] = max(marks[owner] ?? 0, message.seq) }
            try await record(marks.map { ($0.key, $0.value) })
            metrics.relayPublished(batch.count)
        }
        try await record(purged)
        return messages.count
    }

    /// Moves each user's published mark forward to `seq` (never back), in one transaction.
    private func record(_ progress: [(owner: UUID, seq: Int64)]) async throws {
        guard !progress.isEmpty else { return }
        try await database.transaction(logger: logger) { sql in
            for (owner, seq) in progress {
                try await sql.update("event_streams").set("published_seq", to: SQLBind(seq))
                    .where("user_id", .equal, SQLBind(owner)).where("published_seq", .lessThan, SQLBind(seq)).run()
            }
        }
    }

    /// Events in the outbox that no broker has yet, on this node's gauges.
    private func measureBacklog() async {
        do {
            metrics.relayBacklog(try await Self.backlog(database: database, logger: logger), limit: settings.maxBacklog)
        } catch {
            logger.debug("event relay backlog not measured", metadata: ["error": .string(DatabaseFailure.describe(error))])
        }
    }

    /// Events committed but not yet published, across all users.
    static func backlog(database: DocketDatabase, logger: Logger) async throws -> Int {
        let row = try await database.sql(logger: logger).raw(
            "SELECT CAST(COALESCE(SUM(last_seq - published_seq), 0) AS BIGINT) AS backlog FROM event_streams WHERE last_seq > published_seq"
        ).first()
        return Int(try row?.decode(column: "backlog", as: Int64.self) ?? 0)
    }
}
