import FluentKit
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Docket

@Suite("Abuse limits")
struct RateLimitTests {
    @Test("logins over the per-IP budget get 429 with Retry-After and RateLimit headers, then recover", arguments: TestBackend.all)
    func perIP(backend: TestBackend) async throws {
        // 3 per 30 s: one token every 10 s, so the first three cannot be refilled in time even on a loaded machine.
        try await TestApp.make(backend) { $0.auth.ipLimit = RateLimitPolicy(capacity: 3, periodSeconds: 30) }.run { client, database in
            let email = uniqueEmail()
            for _ in 0..<3 { _ = try await client.login(email: email) }
            let limited = try await client.login(email: email)
            try limited.expectProblem(.tooManyRequests, "rate-limited")
            let retryAfter = try #require(limited.headers[.retryAfter].flatMap(Int.init))
            #expect((1...10).contains(retryAfter))
            #expect(limited.headers[HTTPField.Name("RateLimit-Policy")!] == "\"login-ip\";q=3;w=30")
            #expect(limited.headers[HTTPField.Name("RateLimit")!] != nil)
            let trips = try await AuditEventModel.query(on: database.database(logger: database.logger)).filter(\.$eventType == "rate_limited").count()
            #expect(trips == 1)
            try await Task.sleep(for: .seconds(retryAfter))
            #expect(try await client.login(email: email).status == .unauthorized)
        }
    }

    @Test("the per-account budget holds whatever the IP", arguments: TestBackend.all)
    func perAccount(backend: TestBackend) async throws {
        try await TestApp.make(backend) { $0.auth.accountLimit = RateLimitPolicy(capacity: 2, periodSeconds: 60) }.run { client, _ in
            let tokens = try await client.register()
            _ = try await client.login(email: tokens.user.email, password: "Wrong-Password-1")
            _ = try await client.login(email: tokens.user.email, password: "Wrong-Password-1")
            try await client.login(email: tokens.user.email).expectProblem(.tooManyRequests, "rate-limited")
            #expect(try await client.login(email: uniqueEmail()).status == .unauthorized)
        }
    }
}
