import Foundation
import HTTPTypes
import Logging
import SQLKit

/// Token-bucket rate limits kept in the database, so every node enforces the same budget.
struct RateLimiter: Sendable {
    let database: DocketDatabase
    let enabled: Bool
    let metrics: DocketMetrics
    /// Where each trip is recorded.
    let audit: AuditLog

    /// One bucket to draw from: a key (`login:ip:1.2.3.4`), its policy and a name for the policy header.
    struct Bucket: Sendable {
        let key: String
        let name: String
        let policy: RateLimitPolicy
    }

    /// Takes one token from each bucket; throws a 429 problem naming the first that is empty, and audits the trip.
    func consume(_ buckets: [Bucket], origin: RequestOrigin, logger: Logger) async throws {
        guard enabled else { return }
        for bucket in buckets {
            let (allowed, tokens) = try await take(from: bucket, logger: logger)
            if !allowed {
                metrics.rateLimited(bucket: bucket.name)
                let wait = max(1, Int(((1 - tokens) / bucket.policy.refillPerSecond).rounded(.up)))
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
    }

    /// One atomic upsert: refill by elapsed time, take a token if there is one, report the outcome.
    private func take(from bucket: Bucket, logger: Logger) async throws -> (Bool, Double) {
        let sql = database.sql(logger: logger)
        let now = Date().timeIntervalSince1970
        let capacity = Double(bucket.policy.capacity)
        let least = database.location.kind == "postgres" ? "LEAST" : "MIN"
        let refilled = SQLQueryString(
            "\(unsafeRaw: least)(\(bind: capacity), rate_limit_buckets.tokens + (\(bind: now) - rate_limit_buckets.updated_at) * \(bind: bucket.policy.refillPerSecond))"
        )
        let query: SQLQueryString = """
            INSERT INTO rate_limit_buckets (key, tokens, updated_at, allowed) VALUES (\(bind: bucket.key), \(bind: capacity - 1), \(bind: now), 1)
            ON CONFLICT (key) DO UPDATE SET
              tokens = CASE WHEN \(refilled) >= 1 THEN \(refilled) - 1 ELSE \(refilled) END,
              allowed = CASE WHEN \(refilled) >= 1 THEN 1 ELSE 0 END,
              updated_at = \(bind: now)
            RETURNING tokens, allowed
            """
        guard let row = try await metrics.timed("rate_limit", { try await sql.raw(query).first() }) else { return (true, capacity) }
        let allowed = try row.decode(column: "allowed", as: Int.self) == 1
        let tokens = try row.decode(column: "tokens", as: Double.self)
        return (allowed, tokens)
    }
}
