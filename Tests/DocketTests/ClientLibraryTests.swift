import DocketClient
import FluentKit
import Foundation
import HTTPTypes
import HummingbirdTesting
import OpenAPIRuntime
import SQLKit
import Testing

@testable import Docket

/// `DocketClient` against a live server on a real port and a real database: sessions, refresh, paging, problems,
/// idempotent retries and the live feed.
@Suite("Swift client")
struct ClientLibraryTests {
    /// A client for the live server `client` talks to.
    static func docket(
        _ client: any TestClientProtocol, store: any DocketTokenStore = InMemoryTokenStore(), transport: (any ClientTransport)? = nil
    ) throws -> DocketClient {
        let port = try #require(client.port)
        return DocketClient(baseURL: URL(string: "http://127.0.0.1:\(port)")!, tokenStore: store, transport: transport)
    }

    /// The refresh tokens issued to the account, oldest first (one per sign-in or refresh).
    static func refreshTokens(of user: DocketUser, _ database: DocketDatabase) async throws -> [RefreshTokenModel] {
        try await RefreshTokenModel.query(on: database.database(logger: database.logger))
            .filter(\.$userID == UUID(uuidString: user.id)!).sort(\.$createdAt).all()
    }

    @Test("an expired access token is refreshed before use, and 20 concurrent calls share exactly one refresh", arguments: TestBackend.all)
    func refreshesOnceForConcurrentCalls(backend: TestBackend) async throws {
        try await TestApp.make(backend) { $0.auth.accessTokenTTL = 2 }.run(.live) { client, database in
            let store = InMemoryTokenStore()
            let docket = try Self.docket(client, store: store)
            let user = try await docket.register(email: uniqueEmail("client"), password: goodPassword, name: "Ada")
            let before = try #require(await store.load())
            try await Task.sleep(for: .milliseconds(2_500))

            let names = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 { group.addTask { try await docket.currentUser().name } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(names == Array(repeating: "Ada", count: 20))
            #expect(await docket.refreshCount == 1)
            let after = try #require(await store.load())
            #expect(after.refreshToken != before.refreshToken && after.accessToken != before.accessToken)
            // Stored: the first token of the family was used once, its one successor is live, and nothing was revoked
            // (a second refresh with the spent token would have revoked the whole family).
            let tokens = try await Self.refreshTokens(of: user, database)
            #expect(tokens.count == 2)
            #expect(tokens.first?.usedAt != nil && tokens.last?.usedAt == nil)
            #expect(tokens.allSatisfy { $0.revokedAt == nil })
        }
    }

    @Test("an access token the server refuses is refreshed once for 20 concurrent callers, and each call is sent again")
    func refusedTokenIsRefreshedOnce() async throws {
        try await TestApp.make(.sqlite).run(.live) { client, database in
            let first = InMemoryTokenStore()
            let user = try await Self.docket(client, store: first).register(
                email: uniqueEmail("client"), password: goodPassword, name: "Ada")
            let issued = try #require(await first.load())
            // A client whose access token the server refuses (here: one it never issued) learns so from the 401s.
            let store = InMemoryTokenStore(
                DocketCredentials(accessToken: "not.a.token", accessTokenExpiresAt: .distantFuture, refreshToken: issued.refreshToken))
            let docket = try Self.docket(client, store: store)
            let emails = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 { group.addTask { try await docket.currentUser().email } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(emails) == [user.email] && emails.count == 20)
            #expect(await docket.refreshCount == 1)
            #expect(try await Self.refreshTokens(of: user, database).count == 2)
        }
    }

    @Test("a refresh token that was already used (rotated) or revoked ends the session with signedOut, and the store forgets it")
    func spentRefreshTokenSignsOut() async throws {
        try await TestApp.make(.sqlite) { $0.auth.cacheTTL = 0 }.run(.live) { client, _ in
            // Reused: a copy of the session refreshes after the original already rotated its refresh token.
            let original = InMemoryTokenStore()
            try await Self.docket(client, store: original).register(email: uniqueEmail("client"), password: goodPassword, name: "Ada")
            let issued = try #require(await original.load())
            let refused = DocketCredentials(accessToken: "not.a.token", accessTokenExpiresAt: .distantFuture, refreshToken: issued.refreshToken)
            let first = try Self.docket(client, store: InMemoryTokenStore(refused))
            #expect(try await first.currentUser().name == "Ada")
            let copy = InMemoryTokenStore(refused)
            try await Self.expectSignedOut(Self.docket(client, store: copy))
            #expect(try await copy.load() == nil)

            // Revoked: a copy of a session that signed out.
            let store = InMemoryTokenStore()
            let docket = try Self.docket(client, store: store)
            try await docket.register(email: uniqueEmail("client"), password: goodPassword, name: "Bea")
            let saved = try #require(await store.load())
            try await docket.signOut()
            #expect(try await store.load() == nil)
            try await Self.expectSignedOut(docket)
            let stale = InMemoryTokenStore(saved)
            try await Self.expectSignedOut(Self.docket(client, store: stale))
            #expect(try await stale.load() == nil)
        }
    }

    /// Asserts that the client's next call fails with `signedOut` (not any other error).
    static func expectSignedOut(_ docket: DocketClient) async throws {
        do {
            _ = try await docket.currentUser()
            Issue.record("a spent session still worked")
        } catch DocketClientError.signedOut {
            // Expected.
        }
    }

    @Test("paging walks 250 tasks by cursor, each once, in the server's order")
    func pagesThroughEveryTask() async throws {
        try await TestApp.make(.sqlite).run(.live) { client, database in
            let docket = try Self.docket(client)
            let user = try await docket.register(email: uniqueEmail("client"), password: goodPassword, name: "Ada")
            var created: [String] = []
            for index in 0..<250 {
                created.append(try await docket.createTask(.init(title: "task \(index)", priority: index % 3 == 0 ? .high : .low)).id)
            }
            var seen: [String] = []
            for try await task in docket.tasks(sort: .createdAt, order: .asc, pageSize: 20) { seen.append(task.id) }
            #expect(seen == created)
            var high = 0
            for try await task in docket.tasks(priority: [.high], pageSize: 7) {
                #expect(task.priority == .high)
                high += 1
            }
            #expect(high == 84)
            #expect(try await Self.storedTitles(of: user, database).count == 250)
        }
    }

    @Test("problems arrive typed: 401, 403, 404, 412, 422 with its fields, 429 with Retry-After")
    func problemsAreTyped() async throws {
        try await TestApp.make(.sqlite) { $0.auth.writeLimit = RateLimitPolicy(capacity: 4, periodSeconds: 60) }.run(.live) { client, _ in
            let docket = try Self.docket(client)
            try await docket.register(email: uniqueEmail("client"), password: goodPassword, name: "Ada")

            let port = try #require(client.port)
            let forged = DocketClient(baseURL: URL(string: "http://127.0.0.1:\(port)")!, accessToken: "dkt_not-a-real-token")
            let unauthorized = try await Self.problem { _ = try await forged.currentUser() }
            #expect(unauthorized.kind == .unauthorized && unauthorized.type == "urn:docket:problem:unauthorized")

            let readOnly = try await docket.createAccessToken(name: "reader", scopes: [.tasksRead])
            let reader = DocketClient(baseURL: URL(string: "http://127.0.0.1:\(port)")!, accessToken: readOnly.token)
            let forbidden = try await Self.problem { _ = try await reader.createTask(.init(title: "nope")) }
            #expect(forbidden.kind == .forbidden && forbidden.status == 403 && forbidden.requestID != nil)

            let missing = try await Self.problem { _ = try await docket.task(UUID().uuidString) }
            #expect(missing.kind == .notFound && missing.type == "urn:docket:problem:not-found")

            let task = try await docket.createTask(.init(title: "original"))
            _ = try await docket.update(task, .init(title: "changed elsewhere"))
            let stale = try await Self.problem { _ = try await docket.update(task, .init(title: "my change")) }
            #expect(stale.kind == .preconditionFailed && stale.status == 412)
            #expect(try await docket.task(task.id).title == "changed elsewhere")

            let invalid = try await Self.problem { _ = try await docket.createTask(.init(title: "", dueDate: "2026-02-30")) }
            #expect(invalid.kind == .validationFailed && invalid.type == "urn:docket:problem:validation-failed")
            #expect(Set(invalid.fieldErrors.map(\.pointer)) == ["/title", "/due_date"])

            let limited = try await Self.problem {
                for index in 0..<10 { _ = try await docket.createTask(.init(title: "burst \(index)")) }
            }
            #expect(limited.kind == .rateLimited && limited.status == 429)
            #expect((limited.retryAfter ?? .zero) > .zero)
        }
    }

    @Test("a create whose answer is lost is sent again with the same Idempotency-Key, and the server creates one task")
    func createIsRetriedIdempotently() async throws {
        try await TestApp.make(.sqlite).run(.live) { client, database in
            let losing = LoseFirstAnswer(operationID: "createTask")
            let docket = try Self.docket(client, transport: losing)
            let user = try await docket.register(email: uniqueEmail("client"), password: goodPassword, name: "Ada")
            let task = try await docket.createTask(.init(title: "exactly once"))
            #expect(losing.attempts.withLock { $0 } == 2)
            let stored = try await Self.storedTitles(of: user, database)
            #expect(stored.map(\.title) == ["exactly once"])
            #expect(stored.first?.id == UUID(uuidString: task.id))
        }
    }

    @Test(
        "the live feed is an AsyncSequence of typed events that resumes after a broken connection without gaps or repeats",
        .timeLimit(.minutes(2)))
    func feedResumes() async throws {
        try await TestApp.make(.sqlite) { $0.events.heartbeat = .seconds(1) }.run(.live) { client, _ in
            let breaking = BreakFirstStream(afterEvents: 3)
            let docket = try Self.docket(client, transport: breaking)
            try await docket.register(email: uniqueEmail("client"), password: goodPassword, name: "Ada")
            var titles: [String] = []
            for index in 0..<5 { titles.append(try await docket.createTask(.init(title: "before \(index)")).title) }
            let writer = Task {
                for index in 0..<5 { _ = try await docket.createTask(.init(title: "live \(index)")) }
            }
            var seqs: [Int64] = []
            var seen: [String] = []
            for try await event in docket.events(after: 0, types: ["task.created"], reconnectDelay: .milliseconds(50)) {
                #expect(event.kind == .taskCreated)
                seqs.append(event.seq)
                seen.append(try #require(event.task?.title))
                if seen.count == 10 { break }
            }
            try await writer.value
            #expect(breaking.connections.withLock { $0 } >= 2)
            #expect(Set(seqs).count == 10 && seqs == seqs.sorted())
            #expect(Array(seen.prefix(5)) == titles)
            #expect(Array(seen.suffix(5)) == (0..<5).map { "live \($0)" })
        }
    }

    @Test("the README's example lists the signed-in account's open tasks, soonest due first")
    func readmeExample() async throws {
        try await TestApp.make(.sqlite).run(.live) { client, _ in
            let email = uniqueEmail("readme")
            let owner = try await client.register(email: email)
            for (title, status, due) in [
                ("later", "todo", "2030-02-01"), ("sooner", "in_progress", "2030-01-01"), ("finished", "done", "2029-01-01"),
            ] {
                _ = try await client.createTask(["title": .string(title), "status": .string(status), "due_date": .string(due)], as: owner)
            }
            let port = try #require(client.port)
            var printed: [String] = []
            func print(_ items: String...) { printed.append(items.joined(separator: " ")) }

            // The example, as README.md shows it (with this test's server).
            let docket = DocketClient(baseURL: URL(string: "http://127.0.0.1:\(port)")!)
            try await docket.signIn(email: email, password: goodPassword)
            for try await task in docket.tasks(status: [.todo, .inProgress], sort: .dueDate, order: .asc) {
                print(task.dueDate ?? "—", task.title)
            }

            #expect(printed == ["2030-01-01 sooner", "2030-02-01 later"])
        }
    }

    /// The account's stored tasks (id and title), read straight from the database.
    static func storedTitles(of user: DocketUser, _ database: DocketDatabase) async throws -> [(id: UUID, title: String)] {
        let rows = try await database.sql(logger: database.logger)
            .select().columns("id", "title").from("tasks").where("user_id", .equal, UUID(uuidString: user.id)!).all()
        return try rows.map { (try $0.decode(column: "id", as: UUID.self), try $0.decode(column: "title", as: String.self)) }
    }

    /// The problem `body` fails with.
    static func problem(_ body: () async throws -> Void) async throws -> DocketProblem {
        do {
            try await body()
        } catch let problem as DocketProblem {
            return problem
        }
        Issue.record("no problem was thrown")
        throw CancellationError()
    }
}
