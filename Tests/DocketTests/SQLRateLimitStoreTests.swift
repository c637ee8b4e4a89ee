import Logging
import Testing

@testable import Docket

/// The shared token buckets every node of a PostgreSQL deployment charges, against a real PostgreSQL.
@Suite("Token buckets shared through PostgreSQL")
struct SQLRateLimitStoreTests {
    private static func bucket(_ key: String, _ capacity: Int) -> RateLimiter.Bucket {
        RateLimiter.Bucket(key: key, name: "test", policy: RateLimitPolicy(capacity: capacity, periodSeconds: 3600))
    }

    @Test("many requests creating and sharing buckets at once: no deadlock, no error, exactly the shared capacity granted")
    func concurrentFirstUse() async throws {
        guard TestBackend.all.contains(.postgres) else { return }
        let logger = Logger(label: "test")
        let database = try DocketDatabase(location: try await TestBackend.postgres.freshLocation(), poolSize: 16, logger: logger)
        try await database.migrateUp()
        let store = SQLRateLimitStore(database: database, metrics: DocketMetrics())
        do {
            // Each round's buckets are new: 32 requests race to create them, each drawing on the round's shared
            // bucket (capacity 5) and on one of eight per-token buckets (capacity 100), as a token's first uses do. The
            // shared key sorts after the others, so a request that finds it already made locks it before creating
            // its own: without the store's advisory locks this deadlocks within a few rounds.
            for round in 0..<12 {
                let granted = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for request in 0..<32 {
                        let buckets = [Self.bucket("user:\(round)", 5), Self.bucket("token:\(round):\(request % 8)", 100)]
                        group.addTask {
                            let answers = try await store.take(from: buckets.shuffled(), now: 1_000, logger: logger)
                            return answers.allSatisfy(\.allowed)
                        }
                    }
                    return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
                #expect(granted == 5, "round \(round)")
                let spent = try await database.sql(logger: logger).raw(
                    "SELECT SUM(100 - tokens) AS spent FROM rate_limit_buckets WHERE key LIKE \(bind: "token:\(round):%")"
                ).first()?.decode(column: "spent", as: Double.self)
                // A refused request can cost a per-token bucket a token only in the first-use race the store documents.
                #expect((spent ?? 0) >= 5 && (spent ?? 0) <= 32, "round \(round): \(spent ?? -1)")
            }
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }

    @Test("a refused request leaves every bucket it drew on as it was")
    func refusedTakesNothing() async throws {
        guard TestBackend.all.contains(.postgres) else { return }
        let logger = Logger(label: "test")
        let database = try DocketDatabase(location: try await TestBackend.postgres.freshLocation(), logger: logger)
        try await database.migrateUp()
        let store = SQLRateLimitStore(database: database, metrics: DocketMetrics())
        let small = Self.bucket("small", 1)
        let large = Self.bucket("large", 10)
        let first = try await store.take(from: [small, large], now: 1_000, logger: logger)
        let second = try await store.take(from: [large, small], now: 1_000, logger: logger)
        let third = try await store.take(from: [large], now: 1_000, logger: logger)
        await database.close()
        #expect(first == [RateLimitStoreAnswer(allowed: true, tokens: 0), RateLimitStoreAnswer(allowed: true, tokens: 9)])
        #expect(second == [RateLimitStoreAnswer(allowed: true, tokens: 9), RateLimitStoreAnswer(allowed: false, tokens: 0)])
        #expect(third == [RateLimitStoreAnswer(allowed: true, tokens: 8)])
    }
}
