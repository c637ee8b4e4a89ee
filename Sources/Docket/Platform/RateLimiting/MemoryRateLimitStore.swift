import Logging
import Synchronization

/// Token buckets in this process's memory, for SQLite (one node by definition): a request's charge costs no write, so
/// the limiter never competes with the writes it guards. Buckets that have refilled are dropped as the table grows,
/// so it holds only the keys seen within their refill period. The budget starts full again after a restart.
final class MemoryRateLimitStore: RateLimitStore {
    private struct Entry {
        var tokens: Double
        var updatedAt: Double
        let capacity: Double
        let refillPerSecond: Double

        func refilled(at now: Double) -> Double { min(capacity, tokens + max(0, now - updatedAt) * refillPerSecond) }
    }

    private struct Table {
        var entries: [String: Entry] = [:]
        /// The size at which the next sweep for refilled buckets runs (twice what the last one left, at least 4,096).
        var sweepAt = MemoryRateLimitStore.smallestSweep
    }

    static let smallestSweep = 4096
    private let table = Mutex(Table())

    /// An empty table.
    init() {}

    func take(from bucket: RateLimiter.Bucket, now: Double, logger: Logger) async throws -> (allowed: Bool, tokens: Double) {
        take(bucket, now: now)
    }

    /// The synchronous form of `take(from:now:logger:)`.
    func take(_ bucket: RateLimiter.Bucket, now: Double) -> (allowed: Bool, tokens: Double) {
        table.withLock { table in
            let capacity = Double(bucket.policy.capacity)
            var entry =
                table.entries[bucket.key]
                ?? Entry(tokens: capacity, updatedAt: now, capacity: capacity, refillPerSecond: bucket.policy.refillPerSecond)
            let available = entry.refilled(at: now)
            let allowed = available >= 1
            entry.tokens = allowed ? available - 1 : available
            entry.updatedAt = now
            table.entries[bucket.key] = entry
            if table.entries.count >= table.sweepAt {
                table.entries = table.entries.filter { $0.value.refilled(at: now) < $0.value.capacity }
                table.sweepAt = max(Self.smallestSweep, table.entries.count * 2)
            }
            return (allowed, entry.tokens)
        }
    }

    /// How many buckets are held.
    var count: Int { table.withLock { $0.entries.count } }
}
