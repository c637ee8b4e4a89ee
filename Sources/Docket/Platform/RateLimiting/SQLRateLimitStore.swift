import Logging
import SQLKit

/// Token buckets in the `rate_limit_buckets` table, so every node of a PostgreSQL deployment enforces the same budget:
/// a request's buckets are charged by one atomic multi-row upsert (SQLite keeps its buckets in memory). When one of
/// them is empty, a second statement gives back the tokens the others gave, so a refused request costs nothing.
struct SQLRateLimitStore: RateLimitStore {
    let database: DocketDatabase
    let metrics: DocketMetrics

    func take(from buckets: [RateLimiter.Bucket], now: Double, logger: Logger) async throws -> [RateLimitStoreAnswer] {
        guard !buckets.isEmpty else { return [] }
        let sql = database.sql(logger: logger)
        // Rows are locked in key order, so two requests sharing buckets cannot deadlock.
        let ordered = buckets.sorted { $0.key < $1.key }
        let rows = try await metrics.timed("rate_limit") { try await sql.raw(Self.charge(ordered, now: now)).all() }
        var answers: [String: RateLimitStoreAnswer] = [:]
        for row in rows {
            answers[try row.decode(column: "key", as: String.self)] = RateLimitStoreAnswer(
                allowed: try row.decode(column: "allowed", as: Int.self) == 1, tokens: try row.decode(column: "tokens", as: Double.self))
        }
        let charged = ordered.filter { answers[$0.key]?.allowed ?? false }
        if charged.count < ordered.count, !charged.isEmpty {
            try await metrics.timed("rate_limit") { try await sql.raw(Self.refund(charged)).run() }
        }
        let allAllowed = charged.count == ordered.count
        return buckets.map { bucket in
            let answer = answers[bucket.key] ?? RateLimitStoreAnswer(allowed: true, tokens: Double(bucket.policy.capacity) - 1)
            return allAllowed || !answer.allowed ? answer : RateLimitStoreAnswer(allowed: true, tokens: answer.tokens + 1)
        }
    }

    /// The upsert taking a token from each bucket that has one.
    private static func charge(_ buckets: [RateLimiter.Bucket], now: Double) -> SQLQueryString {
        var values: [SQLQueryString] = []
        var capacities: [SQLQueryString] = []
        var rates: [SQLQueryString] = []
        for bucket in buckets {
            let capacity = Double(bucket.policy.capacity)
            values.append("(\(bind: bucket.key), \(bind: capacity - 1), \(bind: now), 1)")
            capacities.append("WHEN \(bind: bucket.key) THEN \(bind: capacity)")
            rates.append("WHEN \(bind: bucket.key) THEN \(bind: bucket.policy.refillPerSecond)")
        }
        let capacity = SQLQueryString("CASE rate_limit_buckets.key \(capacities.joined(separator: " ")) END")
        let rate = SQLQueryString("CASE rate_limit_buckets.key \(rates.joined(separator: " ")) END")
        let refilled = SQLQueryString(
            "LEAST(\(capacity), rate_limit_buckets.tokens + (\(bind: now) - rate_limit_buckets.updated_at) * \(rate))")
        return """
            INSERT INTO rate_limit_buckets (key, tokens, updated_at, allowed) VALUES \(values.joined(separator: ", "))
            ON CONFLICT (key) DO UPDATE SET
              tokens = CASE WHEN \(refilled) >= 1 THEN \(refilled) - 1 ELSE \(refilled) END,
              allowed = CASE WHEN \(refilled) >= 1 THEN 1 ELSE 0 END,
              updated_at = \(bind: now)
            RETURNING key, tokens, allowed
            """
    }

    /// Gives back the token each of `buckets` gave to a request another bucket refused. A request draws on two buckets
    /// at most, so this updates one row and cannot deadlock with a charge locking rows in key order.
    private static func refund(_ buckets: [RateLimiter.Bucket]) -> SQLQueryString {
        let capacities = buckets.map { SQLQueryString("WHEN \(bind: $0.key) THEN \(bind: Double($0.policy.capacity))") }
        let keys = buckets.map { SQLQueryString("\(bind: $0.key)") }
        return """
            UPDATE rate_limit_buckets SET tokens = LEAST(CASE key \(capacities.joined(separator: " ")) END, tokens + 1)
            WHERE key IN (\(keys.joined(separator: ", ")))
            """
    }
}
