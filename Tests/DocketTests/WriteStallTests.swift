import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOPosix
import SQLKit
import Testing

@testable import Docket

/// Writes never stall on SQLite in the default configuration: every write of the process goes through the one writer,
/// so none sleeps in SQLite's busy handler on a blocking thread the writer needs for its COMMIT.
@Suite("SQLite writes under concurrency with a small blocking pool")
struct WriteStallTests {
    /// The longest one request may take here. A stalled write waits out the 5 s busy timeout, so 1 s tells the two
    /// apart on any machine; `DOCKET_TEST_STALL_BOUND_MS` widens it on a very slow one.
    static let bound: Duration = .milliseconds(Int(ProcessInfo.processInfo.environment["DOCKET_TEST_STALL_BOUND_MS"] ?? "") ?? 1000)

    @Test(
        "16 writers mixing creates, patches, logins, token use, jobs, the relay and a consumer: every answer 2xx and within the bound",
        arguments: [1, 2])
    func mixedWriters(blockingThreads: Int) async throws {
        let pool = NIOThreadPool(numberOfThreads: blockingThreads)
        pool.start()
        let redis = try TestRedis.endpoint()
        var app = try await TestApp.make(.sqlite) { config in
            // Rate limiting stays on (the default); the write budget is raised so the limiter's work is what is tested.
            config.auth.rateLimitEnabled = true
            var broker = BrokerSettings(endpoint: redis)
            broker.stream = TestRedis.uniqueStream()
            config.broker = broker
            config.consumers.enabled = true
        }
        app.blockingThreads = pool
        try await app.run { client, database in
            let email = uniqueEmail("stall")
            let owner = try await client.register(email: email)
            let agent = try await client.createAccessToken(["tasks:read", "tasks:write"], as: owner)
            let seeded = try await client.createTask(["title": "patched by everyone"], as: owner)
            let outcomes = try await withThrowingTaskGroup(of: [Outcome].self) { group in
                for worker in 0..<16 {
                    group.addTask {
                        var outcomes: [Outcome] = []
                        for round in 0..<12 {
                            outcomes.append(
                                try await Self.timed("\(worker % 6)") {
                                    try await Self.write(
                                        kind: worker % 6, round: round, client: client, owner: owner, agent: agent, email: email, task: seeded)
                                })
                        }
                        return outcomes
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            let failed = outcomes.filter { !(200..<300).contains($0.status) }
            #expect(failed.isEmpty, "answers that were not 2xx: \(failed.prefix(5))")
            let slow = outcomes.filter { $0.elapsed > Self.bound }
            #expect(slow.isEmpty, "\(slow.count) of \(outcomes.count) requests took longer than \(Self.bound): \(slow.prefix(5))")
            // The seeded task, 12 rounds of 8 creating workers, and the 2 importing workers' 12 one-row imports.
            #expect(try await eventually { try await count("SELECT COUNT(*) AS count FROM tasks", in: database) == 1 + 12 * 8 + 12 * 2 })
            // The relay marks what it published, on the same writer: it keeps up while everything else writes.
            #expect(
                try await eventually {
                    try await count("SELECT COUNT(*) AS count FROM event_streams WHERE last_seq > published_seq", in: database) == 0
                })
        }
        try await pool.shutdownGracefully()
    }

    @Test("a purge of 1,000,000 expired events under a create load fails no create")
    func purgeUnderLoad() async throws {
        let app = try await TestApp.make(.sqlite) { $0.auth.rateLimitEnabled = true }
        try await app.run { client, database in
            let old = try await client.register()
            let writer = try await client.register()
            let sql = database.sql(logger: database.logger)
            try await sql.raw(
                """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
                INSERT INTO events (id, user_id, seq, type, subject, occurred_at, actor_type, schema_version, data)
                SELECT printf('%08x-0000-4000-8000-%012x', i, i), \(bind: UUID(uuidString: old.user.id)!), i, 'task.created',
                  'task', 1, 'user', 1, '{}' FROM n
                """
            ).run()
            let purger = ExpiredRowPurger(database: database, interval: .seconds(3600), bucketIdleSeconds: 3600, logger: database.logger)
            async let purged = purger.purge(now: Date())
            let statuses = try await withThrowingTaskGroup(of: [HTTPResponse.Status].self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var statuses: [HTTPResponse.Status] = []
                        for round in 0..<25 {
                            let body = JSONObject(["title": .string("during the purge \(worker)-\(round)")])
                            statuses.append(try await client.send(.post, "/api/v1/tasks", json: body, headers: writer.bearer).status)
                        }
                        return statuses
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(try await purged.events == 1_000_000)
            #expect(statuses.count == 200 && statuses.allSatisfy { $0 == .created }, "\(Set(statuses))")
            #expect(try await count("SELECT COUNT(*) AS count FROM tasks", in: database) == 200)
        }
    }

    /// One request's status and how long it took.
    struct Outcome: CustomStringConvertible {
        let kind: String
        let status: Int
        let elapsed: Duration
        var description: String { "\(kind): \(status) in \(elapsed)" }
    }

    private static func timed(_ kind: String, _ send: () async throws -> TestResponse) async throws -> Outcome {
        let start = ContinuousClock.now
        let response = try await send()
        return Outcome(kind: kind, status: Int(response.status.code), elapsed: ContinuousClock.now - start)
    }

    /// One write of kind `kind`: a create, a create with a personal access token, a patch of a shared task, a sign-in,
    /// an import job (claimed and run by the job runner), a create with an idempotency key.
    private static func write(
        kind: Int, round: Int, client: any TestClientProtocol, owner: TokenPairBody, agent: AccessTokenBody, email: String, task: TaskBody
    ) async throws -> TestResponse {
        let title = JSONObject(["title": .string("write \(kind)-\(round)-\(UUID().uuidString.prefix(6))")])
        switch kind {
        case 0: return try await client.send(.post, "/api/v1/tasks", json: title, headers: owner.bearer)
        case 1: return try await client.send(.post, "/api/v1/tasks", json: title, headers: agent.bearer)
        case 2: return try await client.send(.patch, "/api/v1/tasks/\(task.id)", json: title, headers: owner.bearer)
        case 3: return try await client.login(email: email)
        case 4:
            let csv = "title\nimported \(round)\n"
            return try await client.sendRaw(
                .post, "/api/v1/tasks/import", body: String(decoding: try JSONEncoder().encode(["csv": csv]), as: UTF8.self),
                headers: owner.bearer)
        default:
            var headers = owner.bearer
            headers[HTTPField.Name("Idempotency-Key")!] = UUID().uuidString
            return try await client.send(.post, "/api/v1/tasks", json: title, headers: headers)
        }
    }
}
