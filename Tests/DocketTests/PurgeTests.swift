import Foundation
import HTTPTypes
import HummingbirdTesting
import SQLKit
import Testing

@testable import Docket

@Suite("Expired-row purge")
struct PurgeTests {
    @Test("a purge deletes only what can no longer change an answer, and the API keeps working", arguments: TestBackend.all)
    func purgesExpiredRows(backend: TestBackend) async throws {
        let app = try await TestApp.make(backend)
        try await app.run { client, database in
            let email = uniqueEmail()
            let tokens = try await client.register(email: email)
            #expect(try await client.login(email: email).status == .ok)
            _ = try await client.createTask(["title": "once"], as: tokens, headers: [HTTPField.Name("Idempotency-Key")!: "purge-1"])
            #expect(try await client.send(.post, "/api/v1/auth/password-reset", json: ["email": email]).status == .accepted)
            try await app.mailer.waitForMessages(1)
            _ = try await client.createAccessToken(["tasks:read"], expiresInDays: 1, as: tokens)
            let sql = database.sql(logger: database.logger)
            let before = try await Self.counts(sql)
            #expect(before.idempotencyKeys == 1)
            #expect(before.refreshTokens == 2)
            #expect(before.oneTimeTokens == 1)
            #expect(before.personalAccessTokens == 1)
            // Buckets are rows on PostgreSQL (shared by every node); on SQLite (one node) they live in memory.
            #expect(backend == .sqlite ? before.rateLimitBuckets == 0 : before.rateLimitBuckets >= 1)

            // A consumer's inbox row and a dead letter, as the event consumers leave them.
            let now = Microseconds.now()
            try await sql.insert(into: "consumer_inbox").columns("consumer", "message_id", "processed_at")
                .values(SQLBind("stats"), SQLBind("1-0"), SQLBind(now)).run()
            try await sql.insert(into: "dead_letters")
                .columns("id", "consumer", "message_id", "user_id", "payload", "error", "attempts", "created_at")
                .values(
                    SQLBind(UUID()), SQLBind("stats"), SQLBind("2-0"), SQLBind(UUID(uuidString: tokens.user.id)!), SQLBind("{}"),
                    SQLBind("poison"), SQLBind(5), SQLBind(now)
                ).run()

            let purger = ExpiredRowPurger(database: database, interval: .seconds(3600), bucketIdleSeconds: 300, logger: database.logger)
            #expect(try await purger.purge(now: Date()).total == 0, "nothing has expired yet")

            // A day and half an hour on: the idempotency key's 24 hours are over and every bucket has refilled; the
            // reset token (1 hour) has been expired for less than the grace day and stays, as do the refresh tokens.
            let dayLater = try await purger.purge(now: Date().addingTimeInterval(24.5 * 3600))
            #expect(dayLater.idempotencyKeys == 1)
            #expect(dayLater.rateLimitBuckets == before.rateLimitBuckets)
            #expect(dayLater.refreshTokens == 0 && dayLater.oneTimeTokens == 0 && dayLater.personalAccessTokens == 0 && dayLater.sessions == 0)

            // Past the sessions' 30 days plus the grace day: the tokens and sessions go as well; the audit log stays.
            let monthLater = try await purger.purge(now: Date().addingTimeInterval(32 * 86_400))
            #expect(monthLater.refreshTokens == 2 && monthLater.oneTimeTokens == 1 && monthLater.personalAccessTokens == 1)
            #expect(monthLater.sessions == 2 && monthLater.auditEvents == 0)
            #expect(dayLater.consumerInbox == 0 && monthLater.consumerInbox == 1, "the inbox row goes with the event retention (7 days)")
            #expect(monthLater.deadLetters == 0, "a dead letter stays as long as agent activity (90 days)")
            #expect(try await purger.purge(now: Date().addingTimeInterval(91 * 86_400)).deadLetters == 1)
            // Past the audit retention (400 days by default), audit events go too.
            #expect(try await purger.purge(now: Date().addingTimeInterval(401 * 86_400)).auditEvents > 0)
            let after = try await Self.counts(sql)
            #expect(after.total == 0)

            // Accounts and tasks are never touched. (The sessions purged "a month on" are live in real time, so their
            // access tokens stopped working: sign in afresh, as a month later one would.)
            let again = try await client.login(email: email).decode(TokenPairBody.self)
            let list = try await client.listTasks("limit=10", as: again)
            #expect(list.status == .ok)
            #expect(try list.decode(TaskPageBody.self).items.map(\.title) == ["once"])
            #expect(try await client.login(email: email).status == .ok)
        }
    }

    @Test("the running server purges on its interval and logs what it deleted")
    func purgesInBackground() async throws {
        let app = try await TestApp.make(.sqlite) { $0.purgeInterval = .milliseconds(100) }
        try await app.run { client, database in
            let tokens = try await client.register()
            _ = try await client.createTask(["title": "once"], as: tokens, headers: [HTTPField.Name("Idempotency-Key")!: "old-key"])
            let sql = database.sql(logger: database.logger)
            try await sql.raw("UPDATE idempotency_keys SET created_at = 0").run()
            let deadline = ContinuousClock.now + .seconds(10)
            var remaining = 1
            while remaining > 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                remaining = try await sql.raw("SELECT COUNT(*) AS n FROM idempotency_keys").first()!.decode(column: "n", as: Int.self)
            }
            #expect(remaining == 0)
        }
        #expect(app.logs.lines.contains { $0.contains("expired rows purged") && $0.contains("\"idempotency_keys\":\"1\"") })
    }

    @Test("DOCKET_PURGE_INTERVAL sets the interval; 0 turns the purger off")
    func interval() throws {
        #expect(try DocketConfig.load(from: [:]).purgeInterval == .seconds(3600))
        #expect(try DocketConfig.load(from: ["DOCKET_PURGE_INTERVAL": "60"]).purgeInterval == .seconds(60))
        let off = try DocketConfig.load(from: ["DOCKET_PURGE_INTERVAL": "0"])
        #expect(
            maintenance(config: off, database: try DocketDatabase(location: off.database, logger: .init(label: "t")), logger: .init(label: "t"))
                .isEmpty)
        #expect(throws: ConfigError.self) { try DocketConfig.load(from: ["DOCKET_PURGE_INTERVAL": "-1"]) }
    }

    private static func counts(_ sql: any SQLDatabase) async throws -> ExpiredRowPurger.Counts {
        func count(_ table: String) async throws -> Int {
            try await sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first()!.decode(column: "n", as: Int.self)
        }
        return ExpiredRowPurger.Counts(
            idempotencyKeys: try await count("idempotency_keys"), refreshTokens: try await count("refresh_tokens"),
            oneTimeTokens: try await count("one_time_tokens"), personalAccessTokens: try await count("personal_access_tokens"),
            rateLimitBuckets: try await count("rate_limit_buckets"), finishedJobs: try await count("jobs"), toolCalls: try await count("tool_calls"))
    }
}
