import Foundation
import HTTPTypes
import HummingbirdTesting
import SQLKit
import Testing

@testable import Docket

@Suite("Limits an attacker cannot walk around")
struct AbuseLimitTests {
    @Test("IPv6 clients are limited by their /64; an IPv4-mapped address as its IPv4 address")
    func ipv6Networks() {
        #expect(ClientNetwork.key(for: "2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64")
        #expect(ClientNetwork.key(for: "2001:0db8:0001:0002:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64")
        #expect(ClientNetwork.key(for: "2001:db8:1:3::1") == "2001:db8:1:3::/64")
        #expect(ClientNetwork.key(for: "::ffff:192.0.2.7") == "192.0.2.7")
        #expect(ClientNetwork.key(for: "192.0.2.7") == "192.0.2.7")
        #expect(ClientNetwork.key(for: nil) == "unknown")
    }

    @Test("login attempts from many addresses of one IPv6 /64 share one budget")
    func ipv6RateLimit() async throws {
        try await TestApp.make(.sqlite) { config in
            config.server.trustedProxies = [IPRange("127.0.0.1")!]
            config.auth.ipLimit = RateLimitPolicy(capacity: 3, periodSeconds: 600)
        }.run(.live) { client, _ in
            func login(from address: String) async throws -> HTTPResponse.Status {
                try await client.send(
                    .post, "/api/v1/auth/login", json: ["email": "x@example.com", "password": "Nope-nope-1"],
                    headers: [HTTPField.Name("X-Forwarded-For")!: address]
                ).status
            }
            var statuses: [HTTPResponse.Status] = []
            for host in ["2001:db8:7:7::1", "2001:db8:7:7::2", "2001:db8:7:7::3", "2001:db8:7:7:ffff::9", "2001:db8:7:8::1"] {
                statuses.append(try await login(from: host))
            }
            // Three from the /64 are counted together, the fourth is refused; another /64 has its own budget.
            #expect(statuses == [.unauthorized, .unauthorized, .unauthorized, .tooManyRequests, .unauthorized])
        }
    }

    @Test("a flood of 429s costs one audit row per bucket and window, with a count", arguments: TestBackend.all)
    func auditAggregation(backend: TestBackend) async throws {
        try await TestApp.make(backend) { $0.auth.ipLimit = RateLimitPolicy(capacity: 1, periodSeconds: 600) }.run { client, database in
            // Windows are aligned to the clock (every 600 s), so a flood that straddles a boundary is two rows.
            func window() -> Int { Int(Date().timeIntervalSince1970) / 600 }
            let firstWindow = window()
            for _ in 0..<25 { _ = try await client.send(.post, "/api/v1/auth/refresh", json: ["refresh_token": "x"]) }
            let windows = window() - firstWindow + 1
            let rows = try await database.sql(logger: database.logger).raw(
                "SELECT occurrences FROM audit_events WHERE event_type = 'rate_limited'"
            ).all().map { try $0.decode(column: "occurrences", as: Int.self) }
            #expect(rows.reduce(0, +) == 24)
            #expect((1...windows).contains(rows.count))
        }
    }

    @Test("verification and reset emails are limited per account and per address", arguments: TestBackend.all)
    func emailLimits(backend: TestBackend) async throws {
        let app = try await TestApp.make(backend) { $0.auth.emailAccountLimit = RateLimitPolicy(capacity: 2, periodSeconds: 3600) }
        try await app.run { client, _ in
            let tokens = try await client.register()
            for _ in 0..<2 {
                #expect(try await client.send(.post, "/api/v1/auth/password-reset", json: ["email": tokens.user.email]).status == .accepted)
            }
            let third = try await client.send(.post, "/api/v1/auth/password-reset", json: ["email": tokens.user.email])
            #expect(try third.expectProblem(.tooManyRequests, "rate-limited").detail?.contains("try again in") == true)
            #expect(third.headers[.retryAfter] != nil)
            // Another account is not affected; one account's verification emails have their own budget.
            #expect(try await client.send(.post, "/api/v1/auth/password-reset", json: ["email": uniqueEmail()]).status == .accepted)
            for _ in 0..<2 {
                #expect(try await client.send(.post, "/api/v1/auth/email-verification", headers: tokens.bearer).status == .accepted)
            }
            try await client.send(.post, "/api/v1/auth/email-verification", headers: tokens.bearer).expectProblem(.tooManyRequests, "rate-limited")
        }
        try await TestApp.make(backend) { $0.auth.emailIPLimit = RateLimitPolicy(capacity: 3, periodSeconds: 3600) }.run { client, _ in
            for _ in 0..<3 {
                #expect(try await client.send(.post, "/api/v1/auth/password-reset", json: ["email": uniqueEmail()]).status == .accepted)
            }
            try await client.send(.post, "/api/v1/auth/password-reset", json: ["email": uniqueEmail()]).expectProblem(
                .tooManyRequests, "rate-limited")
        }
    }

    @Test("guessing the current password is rate-limited like login", arguments: TestBackend.all)
    func currentPasswordGuesses(backend: TestBackend) async throws {
        try await TestApp.make(backend) { $0.auth.accountLimit = RateLimitPolicy(capacity: 3, periodSeconds: 600) }.run { client, _ in
            let tokens = try await client.register()
            for _ in 0..<3 {
                let guess = try await client.send(
                    .post, "/api/v1/users/me/password", json: ["current_password": "Guess-guess-1", "new_password": "Brand-New-Pass-2"],
                    headers: tokens.bearer)
                try guess.expectProblem(.unprocessableContent, "validation-failed")
            }
            let right = try await client.send(
                .post, "/api/v1/users/me/password", json: ["current_password": goodPassword, "new_password": "Brand-New-Pass-2"],
                headers: tokens.bearer)
            try right.expectProblem(.tooManyRequests, "rate-limited")
        }
    }

    @Test("a per-account task quota (422) and write rate (429 with Retry-After)", arguments: TestBackend.all)
    func quotaAndWriteRate(backend: TestBackend) async throws {
        try await TestApp.make(backend) { $0.auth.maxTasksPerUser = 3 }.run { client, database in
            let owner = try await client.register()
            for index in 0..<3 { _ = try await client.createTask(["title": .string("t\(index)")], as: owner) }
            let fourth = try await client.send(.post, "/api/v1/tasks", json: ["title": "one too many"], headers: owner.bearer)
            #expect(try fourth.expectProblem(.unprocessableContent, "validation-failed").detail?.contains("quota is 3") == true)
            let importing = try await client.sendRaw(.post, "/api/v1/tasks/import", body: #"{"tasks": [{"title": "a"}]}"#, headers: owner.bearer)
            try importing.expectProblem(.unprocessableContent, "validation-failed")
            let stored = try await database.sql(logger: database.logger).raw("SELECT COUNT(*) AS n FROM tasks").first()!
                .decode(column: "n", as: Int.self)
            #expect(stored == 3)
            // Another account has its own quota.
            _ = try await client.createTask(["title": "mine"], as: try await client.register())
        }
        try await TestApp.make(backend) {
            $0.auth.maxTasksPerUser = 50
            $0.jobs.concurrency = 0  // all five are queued before any runs; the test's worker then runs them at once
        }.run { client, database in
            // Five imports of 50 rows, each accepted while the account holds nothing, share the quota row by row.
            let owner = try await client.register()
            let rows = "[" + (0..<50).map { #"{"title": "row \#($0)"}"# }.joined(separator: ",") + "]"
            var started: [JobBody] = []
            for _ in 0..<5 { started.append(try await client.startJob("/api/v1/tasks/import", body: #"{"tasks": \#(rows)}"#, headers: owner.bearer)) }
            let importer = ImportTasksJob(
                store: TaskStore(database: database, metrics: DocketMetrics()), outbox: JobQueueTests.outbox(database),
                quota: TaskQuota(maxTasks: 50),
                batchSize: 10)
            let worker = JobQueueTests.worker(database, handlers: [importer]) { $0.concurrency = 5 }
            let running = Task { try await worker.run() }
            defer { running.cancel() }
            var finished: [JobBody] = []
            for job in started { finished.append(try await client.finishedJob(job.id, headers: owner.bearer)) }
            let stored = try await database.sql(logger: database.logger).raw("SELECT COUNT(*) AS n FROM tasks").first()!
                .decode(column: "n", as: Int.self)
            #expect(stored == 50, "the quota holds across concurrent imports")
            let failed = finished.filter { $0.state == "failed" }
            #expect(failed.count >= 4 && failed.allSatisfy { $0.error?.contains("quota of 50 tasks") == true }, "\(finished.map(\.state))")
            let late = try await client.sendRaw(.post, "/api/v1/tasks/import", body: #"{"tasks": [{"title": "a"}]}"#, headers: owner.bearer)
            try late.expectProblem(.unprocessableContent, "validation-failed")
        }
        try await TestApp.make(backend) { $0.auth.writeLimit = RateLimitPolicy(capacity: 2, periodSeconds: 600) }.run { client, _ in
            let owner = try await client.register()
            let task = try await client.createTask(["title": "one"], as: owner)
            #expect(try await client.send(.delete, "/api/v1/tasks/\(task.id)", headers: owner.bearer).status == .noContent)
            let third = try await client.send(.post, "/api/v1/tasks", json: ["title": "three"], headers: owner.bearer)
            try third.expectProblem(.tooManyRequests, "rate-limited")
            #expect(third.headers[.retryAfter] != nil)
            // Reads are not writes.
            #expect(try await client.listTasks("limit=5", as: owner).status == .ok)
        }
    }
}
