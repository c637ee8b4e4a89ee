import SQLKit
import Testing

@testable import Docket

/// The pure parts of the write path: in-memory token buckets and telling reads from writes.
@Suite("Write path: memory buckets and statement kinds")
struct WritePathUnitTests {
    private static func bucket(_ key: String, _ capacity: Int, per seconds: Int) -> RateLimiter.Bucket {
        RateLimiter.Bucket(key: key, name: "test", policy: RateLimitPolicy(capacity: capacity, periodSeconds: seconds))
    }

    @Test("a memory bucket gives its capacity, refuses the next, and refills with time")
    func memoryBucketRefills() {
        let store = MemoryRateLimitStore()
        let bucket = Self.bucket("writes:user:a", 3, per: 30)
        let taken = (0..<4).map { _ in store.take(bucket, now: 1000).allowed }
        #expect(taken == [true, true, true, false])
        #expect(store.take(bucket, now: 1005).allowed == false, "5 s is half a token at 3 per 30 s")
        #expect(store.take(bucket, now: 1010).allowed == true, "10 s is one token")
        #expect(store.take(Self.bucket("writes:user:b", 3, per: 30), now: 1010).allowed, "another key has its own bucket")
    }

    @Test("buckets that have refilled are dropped as the table grows; partly used ones stay")
    func memoryBucketsSwept() {
        let store = MemoryRateLimitStore()
        let busy = Self.bucket("busy", 2, per: 3600)
        _ = store.take(busy, now: 0)
        _ = store.take(busy, now: 0)
        for index in 0..<(MemoryRateLimitStore.smallestSweep + 10) { _ = store.take(Self.bucket("k\(index)", 5, per: 1), now: 0) }
        // 100 s later every one-second bucket is full again: the next growth sweeps them away.
        for index in 0..<MemoryRateLimitStore.smallestSweep { _ = store.take(Self.bucket("later\(index)", 5, per: 1), now: 100) }
        #expect(store.count < MemoryRateLimitStore.smallestSweep + 10)
        #expect(store.take(busy, now: 100).allowed == false, "a bucket still refilling keeps its count")
    }

    @Test("SELECT, EXPLAIN and PRAGMA read; everything else writes")
    func statementKinds() {
        #expect(SQLStatementKind.isRead(text: "SELECT 1"))
        #expect(SQLStatementKind.isRead(text: "  (select id from tasks)"))
        #expect(SQLStatementKind.isRead(text: "PRAGMA table_info(tasks)"))
        #expect(!SQLStatementKind.isRead(text: "INSERT INTO t VALUES (1)"))
        #expect(!SQLStatementKind.isRead(text: "UPDATE t SET a = 1"))
        #expect(!SQLStatementKind.isRead(text: "WITH x AS (SELECT 1) DELETE FROM t"))
        #expect(!SQLStatementKind.isRead(text: "delete from t"))
        let dialect = SQLiteDialectDatabase()
        #expect(SQLStatementKind.isRead(SQLSelect(), serializedBy: dialect))
        #expect(!SQLStatementKind.isRead(SQLQueryString("UPDATE jobs SET state = 'queued'"), serializedBy: dialect))
        #expect(SQLStatementKind.isRead(SQLQueryString("SELECT COUNT(*) FROM jobs"), serializedBy: dialect))
    }
}
