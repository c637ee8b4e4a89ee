import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Docket

/// Concurrent requests for the same saga: the database holds at most one unfinished deletion and one unfinished export
/// per account (a unique partial index), so exactly one request is accepted and the others are 409s.
@Suite("One unfinished saga of a kind per account, however many requests race")
struct SagaConcurrencyTests {
    @Test("8 concurrent exports: one 202, seven 409s, one export stored", arguments: TestBackend.all)
    func concurrentExports(backend: TestBackend) async throws {
        try await TestApp.make(backend) { $0.jobs.concurrency = 0 }.run { client, database in
            let user = try await client.register()
            let statuses = try await Self.race(8) { try await client.send(.post, "/api/v1/users/me/export", headers: user.bearer).status }
            #expect(statuses.filter { $0 == .accepted }.count == 1 && statuses.filter { $0 == .conflict }.count == 7, "\(statuses)")
            #expect(try await count("SELECT COUNT(*) AS count FROM sagas WHERE kind = 'data_export'", in: database) == 1)
        }
    }

    @Test("8 concurrent deletions of one account: one 202, seven 409s, one deletion stored", arguments: TestBackend.all)
    func concurrentDeletions(backend: TestBackend) async throws {
        try await TestApp.make(backend) { $0.jobs.concurrency = 0 }.run { client, database in
            let user = try await client.register()
            let statuses = try await Self.race(8) {
                try await client.send(.delete, "/api/v1/users/me", json: ["password": goodPassword], headers: user.bearer).status
            }
            #expect(statuses.filter { $0 == .accepted }.count == 1 && statuses.filter { $0 == .conflict }.count == 7, "\(statuses)")
            #expect(try await count("SELECT COUNT(*) AS count FROM sagas WHERE kind = 'account_deletion'", in: database) == 1)
        }
    }

    private static func race(_ count: Int, _ send: @escaping @Sendable () async throws -> HTTPResponse.Status) async throws
        -> [HTTPResponse.Status]
    {
        try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
            for _ in 0..<count { group.addTask { try await send() } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }
}
