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

    func take(from buckets: [RateLimiter.Bucket], now: Double, logger: Logger) async throws -> [RateLimitStoreAnswer] {
        take(buckets, now: now)
    }

    /// The synchronous form of `take(from:now:logger:)`.
    func take(_ buckets: [RateLimiter.Bucket], now: Double) -> [RateLimitStoreAnswer] {
        table.withLock { table in
            var entries = buckets.map { bucket in
                var entry =
                    table.entries[bucket.key]
                    ?? Entry(
                        tokens: Double(bucket.policy.capacity), updatedAt: now, capacity: Double(bucket.policy.capacity),
                        refillPerSecond: bucket.policy.refillPerSecond)
                entry.tokens = entry.refilled(at: now)
                entry.updatedAt = now
                return entry
            }
            let allowed = entries.allSatisfy { $0.tokens >= 1 }
            var answers: [RateLimitStoreAnswer] = []
            for (index, bucket) in buckets.enumerated() {
                answers.append(RateLimitStoreAnswer(allowed: entries[index].tokens >= 1, tokens: entries[index].tokens - (allowed ? 1 : 0)))
                if allowed { entries[index].tokens -= 1 }
                table.entries[bucket.key] = entries[index]
            }
            if table.entries.count >= table.sweepAt {
                table.entries = table.entries.filter { $0.value.refilled(at: now) < $0.value.capacity }
                table.sweepAt = max(Self.smallestSweep, table.entries.count * 2)
            }
            return answers
        }
    }

    /// How many buckets are held.
    var count: Int { table.withLock { $0.entries.count } }
}
