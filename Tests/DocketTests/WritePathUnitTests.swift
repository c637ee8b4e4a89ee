import SQLKit
import Testing

@testable import Docket

/// The pure parts of the write path: in-memory token buckets and telling reads from writes.
@Suite("Write path: memory buckets and statement kinds")
struct WritePathUnitTests {
    private static func bucket(_ key: String, _ capacity: Int, per seconds: Int) -> RateLimiter.Bucket {
        RateLimiter.Bucket(key: key, name: "test", policy: RateLimitPolicy(capacity: capacity, periodSeconds: seconds))
    }

    private static func take(_ store: MemoryRateLimitStore, _ bucket: RateLimiter.Bucket, now: Double) -> Bool {
        store.take([bucket], now: now)[0].allowed
    }

    @Test("a request drawing on two memory buckets takes from neither when one is empty")
    func memoryBucketsAllOrNothing() {
        let store = MemoryRateLimitStore()
        let token = Self.bucket("token:a", 1, per: 3600)
        let owner = Self.bucket("token-user:u", 3, per: 3600)
        #expect(store.take([token, owner], now: 0).map(\.allowed) == [true, true])
        let refused = store.take([token, owner], now: 0)
        #expect(refused.map(\.allowed) == [false, true], "the token's bucket is empty, its owner's is not")
        #expect(refused[1].tokens == 2, "the refused request took nothing from the owner's bucket")
        #expect(store.take([owner], now: 0) == [RateLimitStoreAnswer(allowed: true, tokens: 1)])
    }

    @Test("a memory bucket gives its capacity, refuses the next, and refills with time")
    func memoryBucketRefills() {
        let store = MemoryRateLimitStore()
        let bucket = Self.bucket("writes:user:a", 3, per: 30)
        let taken = (0..<4).map { _ in Self.take(store, bucket, now: 1000) }
        #expect(taken == [true, true, true, false])
        #expect(Self.take(store, bucket, now: 1005) == false, "5 s is half a token at 3 per 30 s")
        #expect(Self.take(store, bucket, now: 1010) == true, "10 s is one token")
        #expect(Self.take(store, Self.bucket("writes:user:b", 3, per: 30), now: 1010), "another key has its own bucket")
    }

    @Test("buckets that have refilled are dropped as the table grows; partly used ones stay")
    func memoryBucketsSwept() {
        let store = MemoryRateLimitStore()
        let busy = Self.bucket("busy", 2, per: 3600)
        _ = Self.take(store, busy, now: 0)
        _ = Self.take(store, busy, now: 0)
        for index in 0..<(MemoryRateLimitStore.smallestSweep + 10) { _ = Self.take(store, Self.bucket("k\(index)", 5, per: 1), now: 0) }
        // 100 s later every one-second bucket is full again: the next growth sweeps them away.
        for index in 0..<MemoryRateLimitStore.smallestSweep { _ = Self.take(store, Self.bucket("later\(index)", 5, per: 1), now: 100) }
        #expect(store.count < MemoryRateLimitStore.smallestSweep + 10)
        #expect(Self.take(store, busy, now: 100) == false, "a bucket still refilling keeps its count")
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

/// The SQLite writer's rules, against a real database file.
@Suite("The SQLite writer's hygiene")
struct WriterHygieneTests {
    @Test("a write through another handle inside a write transaction fails at once instead of waiting for its own group")
    func nestedWriteFailsAtOnce() async throws {
        let database = try DocketDatabase(location: try await TestBackend.sqlite.freshLocation(), logger: .init(label: "test"))
        try await database.migrateUp()
        let started = ContinuousClock.now
        await #expect(throws: SQLiteWriterError.nestedWrite) {
            try await database.transaction(logger: database.logger) { _ in
                try await database.sql(logger: database.logger).raw("DELETE FROM rate_limit_buckets").run()
            }
        }
        #expect(ContinuousClock.now - started < .seconds(4), "well under the 5 s busy timeout")
        // The writer is not stuck: the next write goes through.
        try await database.sql(logger: database.logger).raw("DELETE FROM rate_limit_buckets").run()
        await database.close()
    }

    @Test("after the database closed, a write is refused as unavailable (a 503), and nothing reopens the writer")
    func writeAfterClose() async throws {
        let database = try DocketDatabase(location: try await TestBackend.sqlite.freshLocation(), logger: .init(label: "test"))
        try await database.migrateUp()
        await database.close()
        do {
            try await database.transaction(logger: database.logger) { sql in try await sql.raw("DELETE FROM rate_limit_buckets").run() }
            Issue.record("a write after close succeeded")
        } catch {
            #expect(DatabaseFailure.problem(for: error)?.kind == .serviceUnavailable, "\(error)")
        }
    }

    @Test("the outcome of a COMMIT that failed with an I/O error is unknown (504); a full disk is a 503")
    func commitOutcomes() {
        let fsync = DirectSQLiteError(code: 10 | (4 << 8), message: "disk I/O error")
        let full = DirectSQLiteError(code: 13, message: "database or disk is full")
        #expect(SQLiteGroupCommit.commitFailureIsAmbiguous(fsync))
        #expect(!SQLiteGroupCommit.commitFailureIsAmbiguous(full))
        #expect(DatabaseFailure.problem(for: CommitOutcomeUnknown(underlying: fsync))?.kind == .outcomeUnknown)
        #expect(ProblemKind.outcomeUnknown.status == .gatewayTimeout)
        #expect(DatabaseFailure.problem(for: full)?.kind == .serviceUnavailable)
    }
}
