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
        var total: Int {
            idempotencyKeys + refreshTokens + oneTimeTokens + personalAccessTokens + rateLimitBuckets + finishedJobs + toolCalls + events
                + webhookDeliveries + sessions + auditEvents + exports
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

    /// One pass, as if the time were `now`.
    func purge(now: Date) async throws -> Counts {
        let sql = database.sql(logger: logger)
        let tokenCutoff = now.addingTimeInterval(-Self.expiredTokenGrace)
        var counts = Counts()
        counts.idempotencyKeys = try await deleted(
            sql.delete(from: "idempotency_keys")
                .where("created_at", .lessThanOrEqual, SQLBind(Microseconds.of(now) - IdempotencyStore.lifetime)).returning("id"))
        counts.refreshTokens = try await deleted(
            sql.delete(from: "refresh_tokens").where("expires_at", .lessThan, SQLBind(tokenCutoff)).returning("id"))
        counts.oneTimeTokens = try await deleted(
            sql.delete(from: "one_time_tokens").where("expires_at", .lessThan, SQLBind(tokenCutoff)).returning("id"))
        counts.personalAccessTokens = try await deleted(
            sql.delete(from: "personal_access_tokens")
                .where("expires_at", .lessThan, SQLBind(tokenCutoff)).orWhere("revoked_at", .lessThan, SQLBind(tokenCutoff)).returning("id"))
        counts.rateLimitBuckets = try await deleted(
            sql.delete(from: "rate_limit_buckets")
                .where("updated_at", .lessThan, SQLBind(now.timeIntervalSince1970 - bucketIdleSeconds)).returning("key"))
        counts.finishedJobs = try await deleted(
            sql.delete(from: "jobs")
                .where("finished_at", .lessThan, SQLBind(Microseconds.of(now) - Int64(Self.finishedJobRetention * 1_000_000))).returning("id"))
        counts.toolCalls = try await deleted(
            sql.delete(from: "tool_calls")
                .where("created_at", .lessThan, SQLBind(Microseconds.of(now) - Int64(activityRetention * 1_000_000))).returning("id"))
        let eventCutoff = Microseconds.of(now) - Int64(eventRetention * 1_000_000)
        counts.events = try await deleted(sql.delete(from: "events").where("occurred_at", .lessThan, SQLBind(eventCutoff)).returning("id"))
        counts.webhookDeliveries = try await deleted(
            sql.delete(from: "webhook_deliveries").where("created_at", .lessThan, SQLBind(eventCutoff)).returning("id"))
        counts.sessions = try await deleted(
            sql.delete(from: "sessions").where("expires_at", .lessThan, SQLBind(tokenCutoff))
                .orWhere("revoked_at", .lessThan, SQLBind(tokenCutoff)).returning("id"))
        counts.auditEvents = try await deleted(
            sql.delete(from: "audit_events").where("created_at", .lessThan, SQLBind(now.addingTimeInterval(-auditRetention))).returning("id"))
        counts.exports = try await deleted(sql.delete(from: "exports").where("expires_at", .lessThan, SQLBind(Microseconds.of(now))).returning("id"))
        return counts
    }

    private func deleted(_ query: SQLReturningResultBuilder<SQLDeleteBuilder>) async throws -> Int {
        try await query.all().count
    }
}
