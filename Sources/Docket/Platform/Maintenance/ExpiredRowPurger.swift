import Foundation
import Logging
import SQLKit
import ServiceLifecycle

/// Deletes rows that can no longer change any answer, every `interval`, so the tables that grow with traffic stay
/// bounded: idempotency keys past their 24 hours, refresh, emailed and personal access tokens a day after they expired
/// (personal access tokens also a day after they were revoked), jobs a week after they finished, and rate-limit
/// buckets idle long enough to have refilled, and audit events past their retention (400 days by default). Every node
/// may run it; the deletes are idempotent.
final class ExpiredRowPurger: Service, Sendable {
    /// How long expired tokens are kept (so a late replay is still recognised for a while).
    static let expiredTokenGrace: TimeInterval = 24 * 3600
    /// How long finished jobs (and their results) stay readable.
    static let finishedJobRetention: TimeInterval = 7 * 86_400

    /// Rows deleted by one pass, by table.
    struct Counts: Equatable {
        var idempotencyKeys = 0
        var refreshTokens = 0
        var oneTimeTokens = 0
        var personalAccessTokens = 0
        var rateLimitBuckets = 0
        var finishedJobs = 0
        var toolCalls = 0
        var events = 0
        var webhookDeliveries = 0
        var sessions = 0
        var auditEvents = 0
        var exports = 0
        var consumerInbox = 0
        var deadLetters = 0
        var total: Int {
            idempotencyKeys + refreshTokens + oneTimeTokens + personalAccessTokens + rateLimitBuckets + finishedJobs + toolCalls + events
                + webhookDeliveries + sessions + auditEvents + exports + consumerInbox + deadLetters
        }
    }

    private let database: DocketDatabase
    private let interval: Duration
    private let bucketIdleSeconds: Double
    private let activityRetention: TimeInterval
    private let eventRetention: TimeInterval
    private let auditRetention: TimeInterval
    private let logger: Logger

    /// A purger for `database` running every `interval`; buckets idle for `bucketIdleSeconds` are full again and go.
    /// Agent activity (MCP tool calls) older than `activityRetentionDays` goes too, and events and webhook deliveries
    /// older than `eventRetentionDays` (a feed cannot resume from before that: 410).
    init(
        database: DocketDatabase, interval: Duration, bucketIdleSeconds: Int, activityRetentionDays: Int = 90, eventRetentionDays: Int = 7,
        auditRetentionDays: Int = 400, logger: Logger
    ) {
        self.auditRetention = TimeInterval(auditRetentionDays) * 86_400
        self.activityRetention = TimeInterval(activityRetentionDays) * 86_400
        self.eventRetention = TimeInterval(eventRetentionDays) * 86_400
        self.database = database
        self.interval = interval
        self.bucketIdleSeconds = Double(bucketIdleSeconds)
        self.logger = logger
    }

    /// Purges every `interval` until graceful shutdown; a failed pass (say, the database is down) is logged and retried
    /// at the next tick.
    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: self.interval)
                } catch {
                    return
                }
                do {
                    let counts = try await self.purge(now: Date())
                    if counts.total > 0 {
                        self.logger.info(
                            "expired rows purged",
                            metadata: [
                                "idempotency_keys": "\(counts.idempotencyKeys)", "refresh_tokens": "\(counts.refreshTokens)",
                                "one_time_tokens": "\(counts.oneTimeTokens)", "rate_limit_buckets": "\(counts.rateLimitBuckets)",
                                "personal_access_tokens": "\(counts.personalAccessTokens)", "finished_jobs": "\(counts.finishedJobs)",
                                "tool_calls": "\(counts.toolCalls)", "events": "\(counts.events)",
                                "webhook_deliveries": "\(counts.webhookDeliveries)", "sessions": "\(counts.sessions)",
                                "audit_events": "\(counts.auditEvents)", "exports": "\(counts.exports)",
                            ])
                    }
                } catch {
                    self.logger.warning("purge of expired rows failed", metadata: ["error": .string(DatabaseFailure.describe(error))])
                }
            }
        }
    }

    /// The most rows one delete removes: a purge is many short writes, each its own transaction, so other writes
    /// (and the writer's groups on SQLite) go on between them however much has expired.
    static let batchSize = 1000

    /// One pass, as if the time were `now`.
    func purge(now: Date) async throws -> Counts {
        let tokenCutoff = now.addingTimeInterval(-Self.expiredTokenGrace)
        let eventCutoff = Microseconds.of(now) - Int64(eventRetention * 1_000_000)
        var counts = Counts()
        counts.idempotencyKeys = try await deleteInBatches("idempotency_keys") {
            $0.where("created_at", .lessThanOrEqual, SQLBind(Microseconds.of(now) - IdempotencyStore.lifetime))
        }
        counts.refreshTokens = try await deleteInBatches("refresh_tokens") { $0.where("expires_at", .lessThan, SQLBind(tokenCutoff)) }
        counts.oneTimeTokens = try await deleteInBatches("one_time_tokens") { $0.where("expires_at", .lessThan, SQLBind(tokenCutoff)) }
        counts.personalAccessTokens = try await deleteInBatches("personal_access_tokens") {
            $0.where("expires_at", .lessThan, SQLBind(tokenCutoff)).orWhere("revoked_at", .lessThan, SQLBind(tokenCutoff))
        }
        counts.rateLimitBuckets = try await deleteInBatches("rate_limit_buckets", key: "key") {
            $0.where("updated_at", .lessThan, SQLBind(now.timeIntervalSince1970 - bucketIdleSeconds))
        }
        // The job of an unfinished saga stays: a saga whose job ran out of attempts is failed only as long as its job
        // says so, and an operator's retry runs that job again.
        counts.finishedJobs = try await deleteInBatches("jobs") {
            $0.where("finished_at", .lessThan, SQLBind(Microseconds.of(now) - Int64(Self.finishedJobRetention * 1_000_000)))
                .where(SQLRaw("id NOT IN (SELECT job_id FROM sagas WHERE state NOT IN ('completed', 'compensated'))"))
        }
        counts.toolCalls = try await deleteInBatches("tool_calls") {
            $0.where("created_at", .lessThan, SQLBind(Microseconds.of(now) - Int64(activityRetention * 1_000_000)))
        }
        counts.events = try await deleteInBatches("events") { $0.where("occurred_at", .lessThan, SQLBind(eventCutoff)) }
        counts.webhookDeliveries = try await deleteInBatches("webhook_deliveries") { $0.where("created_at", .lessThan, SQLBind(eventCutoff)) }
        counts.sessions = try await deleteInBatches("sessions") {
            $0.where("expires_at", .lessThan, SQLBind(tokenCutoff)).orWhere("revoked_at", .lessThan, SQLBind(tokenCutoff))
        }
        counts.auditEvents = try await deleteInBatches("audit_events") {
            $0.where("created_at", .lessThan, SQLBind(now.addingTimeInterval(-auditRetention)))
        }
        counts.exports = try await deleteInBatches("exports") { $0.where("expires_at", .lessThan, SQLBind(Microseconds.of(now))) }
        // A consumer's record of a processed message outlives the event it was about by nothing: the broker's copy and
        // the event itself are gone by then, so the message cannot come again. Dead letters stay as long as agent
        // activity, for an operator to look at.
        counts.consumerInbox = try await deleteInBatches("consumer_inbox", key: "message_id") {
            $0.where("processed_at", .lessThan, SQLBind(eventCutoff))
        }
        counts.deadLetters = try await deleteInBatches("dead_letters") {
            $0.where("created_at", .lessThan, SQLBind(Microseconds.of(now) - Int64(activityRetention * 1_000_000)))
        }
        return counts
    }

    /// Deletes the rows of `table` that `filter` selects, at most `batchSize` (by `key`) per statement, until a
    /// statement finds fewer; returns how many went.
    private func deleteInBatches(
        _ table: String, key: String = "id", _ filter: (SQLSelectBuilder) -> SQLSelectBuilder
    ) async throws -> Int {
        let sql = database.sql(logger: logger)
        var total = 0
        while true {
            let batch = filter(sql.select().column(key).from(table)).limit(Self.batchSize)
            let deleted = try await sql.delete(from: table)
                .where(SQLIdentifier(key), .in, SQLGroupExpression(batch.select))
                .returning(key).all().count
            total += deleted
            if deleted < Self.batchSize { return total }
        }
    }
}
