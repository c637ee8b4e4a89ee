import Logging
import SQLKit

/// Token buckets in the `rate_limit_buckets` table, so every node of a PostgreSQL deployment enforces the same budget
/// (SQLite keeps its buckets in memory). A request's buckets are charged all-or-nothing by one statement: it locks the
/// rows it needs, decides whether every bucket has a token, and writes them, so a refused request costs nothing and
/// every request costs exactly one round trip.
struct SQLRateLimitStore: RateLimitStore {
    /// The first key of the two-key advisory locks on buckets, so they never meet the migration lock's one-key form.
    static let advisoryLockSpace: Int32 = 0x646b_726c

    let database: DocketDatabase
    let metrics: DocketMetrics

    func take(from buckets: [RateLimiter.Bucket], now: Double, logger: Logger) async throws -> [RateLimitStoreAnswer] {
        guard !buckets.isEmpty else { return [] }
        let sql = database.sql(logger: logger)
        let rows = try await metrics.timed("rate_limit") { try await sql.raw(Self.charge(buckets, now: now)).all() }
        var answers: [String: RateLimitStoreAnswer] = [:]
        for row in rows {
            answers[try row.decode(column: "key", as: String.self)] = RateLimitStoreAnswer(
                allowed: try row.decode(column: "allowed", as: Int.self) == 1, tokens: try row.decode(column: "tokens", as: Double.self))
        }
        return buckets.map { answers[$0.key] ?? RateLimitStoreAnswer(allowed: true, tokens: Double($0.policy.capacity) - 1) }
    }

    /// The statement. `gate` takes a transaction advisory lock per key, in hash order, before any row is touched: row
    /// locks alone deadlock when a bucket is created between a statement's snapshot and its upsert (seen with pgbench),
    /// because that row is then locked out of key order. `locked` reads the existing rows (locked, latest version) with
    /// their refilled balance, `verdict` says whether each has a token, and the upsert takes one token from every bucket
    /// only when the verdict is yes; a bucket seen for the first time starts full. `allowed` is stored and returned per
    /// bucket: whether it had a token to give. A bucket another node created after this statement's snapshot is judged
    /// on its own row (charged only when it has a token), so only that first-use race can cost a refused request a token.
    static func charge(_ buckets: [RateLimiter.Bucket], now: Double) -> SQLQueryString {
        let wanted = buckets.map { bucket -> SQLQueryString in
            let capacity = Double(bucket.policy.capacity)
            let rate = bucket.policy.refillPerSecond
            return "(CAST(\(bind: bucket.key) AS TEXT), CAST(\(bind: capacity) AS FLOAT8), CAST(\(bind: rate) AS FLOAT8))"
        }
        return """
            WITH wanted (key, capacity, rate) AS (VALUES \(wanted.joined(separator: ", "))),
            gate AS (
              SELECT count(*) AS held FROM (
                SELECT pg_advisory_xact_lock(\(bind: Self.advisoryLockSpace), hash)
                FROM (SELECT DISTINCT hashtext(key) AS hash FROM wanted ORDER BY hash) hashes
              ) locks
            ),
            locked AS (
              SELECT b.key, LEAST(w.capacity, b.tokens + (\(bind: now) - b.updated_at) * w.rate) AS refilled
              FROM rate_limit_buckets b JOIN wanted w ON w.key = b.key CROSS JOIN gate
              WHERE gate.held >= 0
              ORDER BY b.key FOR UPDATE OF b
            ),
            verdict AS (SELECT COALESCE(bool_and(refilled >= 1), TRUE) AS ok FROM locked)
            INSERT INTO rate_limit_buckets AS b (key, tokens, updated_at, allowed)
            SELECT w.key, w.capacity - CASE WHEN v.ok THEN 1 ELSE 0 END, \(bind: now), 1
            FROM wanted w CROSS JOIN verdict v ORDER BY w.key
            ON CONFLICT (key) DO UPDATE SET
              tokens = (SELECT r.refilled - CASE WHEN v.ok AND r.refilled >= 1 THEN 1 ELSE 0 END
                        FROM verdict v, (SELECT LEAST(w.capacity, b.tokens + (\(bind: now) - b.updated_at) * w.rate) AS refilled
                                         FROM wanted w WHERE w.key = b.key) r),
              allowed = (SELECT CASE WHEN LEAST(w.capacity, b.tokens + (\(bind: now) - b.updated_at) * w.rate) >= 1
                                THEN 1 ELSE 0 END FROM wanted w WHERE w.key = b.key),
              updated_at = \(bind: now)
            RETURNING key, tokens, allowed
            """
    }
}
