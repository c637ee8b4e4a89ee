import Foundation
import HTTPTypes
import Logging

/// Token-bucket rate limits: in the database on PostgreSQL, so every node enforces the same budget; in memory on SQLite
/// (one node), so a charge is never a write.
struct RateLimiter: Sendable {
    let store: any RateLimitStore
    let enabled: Bool
    let metrics: DocketMetrics
    /// Where each trip is recorded.
    let audit: AuditLog

    /// A limiter keeping its buckets where `database`'s backend wants them.
    init(database: DocketDatabase, enabled: Bool, metrics: DocketMetrics, audit: AuditLog) {
        switch database.location {
        case .sqlite: store = MemoryRateLimitStore()
        case .postgres: store = SQLRateLimitStore(database: database, metrics: metrics)
        }
        self.enabled = enabled
        self.metrics = metrics
        self.audit = audit
    }

    /// One bucket to draw from: a key (`login:ip:1.2.3.4`), its policy and a name for the policy header.
    struct Bucket: Sendable {
        let key: String
        let name: String
        let policy: RateLimitPolicy
    }

    /// Takes one token from each bucket (none when one is empty); throws a 429 problem naming the first that is
    /// empty, and audits the trip.
    func consume(_ buckets: [Bucket], origin: RequestOrigin, logger: Logger) async throws {
        guard enabled, !buckets.isEmpty else { return }
        let answers = try await store.take(from: buckets, now: Date().timeIntervalSince1970, logger: logger)
        guard let refused = zip(buckets, answers).first(where: { !$0.1.allowed }) else { return }
        let (bucket, answer) = refused
        metrics.rateLimited(bucket: bucket.name)
        let wait = max(1, Int(((1 - answer.tokens) / bucket.policy.refillPerSecond).rounded(.up)))
        let policy = "\"\(bucket.name)\";q=\(bucket.policy.capacity);w=\(bucket.policy.periodSeconds)"
        // One audit row per bucket and window, however many requests it refuses.
        await audit.recordAggregated(
            .rateLimited, key: bucket.key, window: bucket.policy.periodSeconds, origin: origin, details: policy, logger: logger)
        throw AppError(
            .rateLimited,
            "Too many requests; try again in \(wait) second(s).",
            headers: [.retryAfter: "\(wait)", .rateLimitPolicy: policy, .rateLimit: "\"\(bucket.name)\";r=0;t=\(wait)"])
    }
}
