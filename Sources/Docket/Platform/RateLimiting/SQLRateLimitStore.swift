import Logging
import SQLKit

/// Token buckets in the `rate_limit_buckets` table, so every node of a PostgreSQL deployment enforces the same budget:
/// one atomic upsert per bucket, in PostgreSQL's SQL (SQLite keeps its buckets in memory).
struct SQLRateLimitStore: RateLimitStore {
    let database: DocketDatabase
    let metrics: DocketMetrics

    func take(from bucket: RateLimiter.Bucket, now: Double, logger: Logger) async throws -> (allowed: Bool, tokens: Double) {
        let sql = database.sql(logger: logger)
        let capacity = Double(bucket.policy.capacity)
        let refilled = SQLQueryString(
            "LEAST(\(bind: capacity), rate_limit_buckets.tokens + (\(bind: now) - rate_limit_buckets.updated_at) * \(bind: bucket.policy.refillPerSecond))"
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
