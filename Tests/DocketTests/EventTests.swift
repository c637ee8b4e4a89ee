import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import SQLKit
import Testing

@testable import Docket

/// A page of events as `GET /api/v1/events` (JSON) answers.
struct EventPageBody: Decodable {
    let items: [EventBody]
    let lastSeq: Int64

    enum CodingKeys: String, CodingKey {
        case items
        case lastSeq = "last_seq"
    }
}

/// One event as the wire carries it.
struct EventBody: Decodable {
    let specversion: String
    let id: String
    let source: String
    let type: String
    let subject: String
    let time: String
    let seq: Int64
    let actortype: String
    let actorid: String?
    let actortool: String?
    let requestid: String?
    let schemaversion: Int
    let data: EventData

    /// The parts of the data tests look at.
    struct EventData: Decodable {
        let task: TaskBody?
        let changes: [String: Change]?
        let user: UserBody?
    }

    /// One changed field.
    struct Change: Decodable, Equatable {
        let from: String?
        let to: String?
    }
}

extension TestClientProtocol {
    /// The caller's events after `after`, as JSON.
    func events(after: Int64 = 0, types: String? = nil, limit: Int = 500, as tokens: TokenPairBody) async throws -> EventPageBody {
        var uri = "/api/v1/events?after=\(after)&limit=\(limit)"
        if let types { uri += "&types=\(types)" }
        let response = try await send(.get, uri, headers: tokens.bearer.merging([.accept: "application/json"]))
        #expect(response.status == .ok, "\(response.text)")
        return try response.decode(EventPageBody.self)
    }
}

extension HTTPFields {
    /// These fields with `other`'s added.
    func merging(_ other: HTTPFields) -> HTTPFields {
        var fields = self
        for field in other { fields.append(field) }
        return fields
    }
}

@Suite("Events: the transactional outbox and the feed")
struct EventTests {
    @Test("every change is one event, numbered per user in commit order, with its data, changes and actor", arguments: TestBackend.all)
    func outbox(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, database in
            let owner = try await client.register()
            let other = try await client.register()
            let task = try await client.createTask(
                ["title": "Write", "priority": "high"], as: owner, headers: [HTTPField.Name("X-Request-ID")!: "req-created"])
            _ = try await client.createTask(["title": "someone else's"], as: other)
            var patched = try await client.send(
                .patch, "/api/v1/tasks/\(task.id)", json: ["title": "Write more", "due_date": "2026-12-24"], headers: owner.bearer)
            #expect(patched.status == .ok)
            patched = try await client.send(.patch, "/api/v1/tasks/\(task.id)", json: ["status": "done"], headers: owner.bearer)
            patched = try await client.send(.patch, "/api/v1/tasks/\(task.id)", json: ["status": "todo"], headers: owner.bearer)
            // A failed precondition changes nothing and writes no event.
            let refused = try await client.send(
                .patch, "/api/v1/tasks/\(task.id)", json: ["title": "x"], headers: owner.bearer.merging([.ifMatch: "\"1\""]))
            #expect(refused.status == .preconditionFailed)
            #expect(try await client.send(.patch, "/api/v1/users/me", json: ["name": "Renamed"], headers: owner.bearer).status == .ok)
            #expect(try await client.send(.delete, "/api/v1/tasks/\(task.id)", headers: owner.bearer).status == .noContent)

            let page = try await client.events(as: owner)
            #expect(page.items.map(\.type) == ["task.created", "task.updated", "task.completed", "task.reopened", "user.updated", "task.deleted"])
            #expect(page.items.map(\.seq) == [1, 2, 3, 4, 5, 6])
            #expect(page.lastSeq == 6)
            let created = page.items[0]
            #expect(created.specversion == "1.0" && created.source == "/docket" && created.subject == "tasks/\(task.id)")
            #expect(created.actortype == "user" && created.actorid == owner.user.id && created.requestid == "req-created")
            #expect(created.data.task?.title == "Write" && created.data.task?.priority == "high")
            #expect(page.items[1].data.changes == ["title": .init(from: "Write", to: "Write more"), "due_date": .init(from: nil, to: "2026-12-24")])
            #expect(page.items[2].data.changes?["status"] == .init(from: "todo", to: "done"))
            #expect(page.items[4].data.user?.name == "Renamed" && page.items[4].data.changes?["name"]?.to == "Renamed")
            #expect(page.items[5].data.task?.title == "Write more")
            #expect(Set(page.items.map(\.id)).count == 6)

            // Filters, resume positions and isolation.
            #expect(try await client.events(types: "task.deleted,user.updated", as: owner).items.map(\.seq) == [5, 6])
            #expect(try await client.events(after: 4, as: owner).items.map(\.seq) == [5, 6])
            let theirs = try await client.events(as: other)
            #expect(theirs.items.map(\.type) == ["task.created"] && theirs.items[0].seq == 1)
            let stored = try await database.sql(logger: database.logger).raw("SELECT COUNT(*) AS n FROM events").first()?.decode(
                column: "n", as: Int.self)
            #expect(stored == 7)
        }
    }

    @Test("a personal access token and an MCP tool are named as actors; tokens need tasks:read for the feed", arguments: TestBackend.all)
    func actors(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let owner = try await client.register()
            let token = try await client.createAccessToken(["tasks:write"], as: owner)
            #expect(try await client.send(.post, "/api/v1/tasks", json: ["title": "by token"], headers: token.bearer).status == .created)
            let refused = try await client.send(.get, "/api/v1/events", headers: token.bearer)
            try refused.expectProblem(.forbidden, "forbidden")
            let event = try await client.events(as: owner).items[0]
            #expect(event.actortype == "token" && event.actorid == token.id)
        }
    }

    @Test("bad positions and filters are 400; a position beyond the newest or before the retention window is 410", arguments: TestBackend.all)
    func resumePositions(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, database in
            let owner = try await client.register()
            for index in 0..<3 { _ = try await client.createTask(["title": .string("t\(index)")], as: owner) }
            let json: HTTPFields = [.accept: "application/json"]
            let unknown = try await client.send(.get, "/api/v1/events?types=task.nope", headers: owner.bearer.merging(json)).expectProblem(
                .badRequest, "bad-request")
            // The refusal lists what is accepted, and every type the feed carries is accepted (export.ready included).
            let explained = (unknown.detail ?? "") + (unknown.errors ?? []).map(\.message).joined()
            #expect(explained.contains("export.ready") && explained.contains("webhook.disabled"), "\(explained)")
            for type in EventType.subscribable {
                #expect(try await client.send(.get, "/api/v1/events?types=\(type.rawValue)", headers: owner.bearer.merging(json)).status == .ok)
            }
            try await client.send(.get, "/api/v1/events", headers: owner.bearer.merging(json).merging([HTTPField.Name("Last-Event-ID")!: "x"]))
                .expectProblem(.badRequest, "bad-request")
            let beyond = try await client.send(.get, "/api/v1/events?after=9", headers: owner.bearer.merging(json))
            let problem = try beyond.expectProblem(.gone, "gone")
            #expect(problem.detail?.contains("newest is 3") == true)
            #expect(beyond.text.contains(#""last_seq":3"#))

            // The purger removes events past the retention window; resuming from before them is then a 410.
            let purger = ExpiredRowPurger(
                database: database, interval: .seconds(3600), bucketIdleSeconds: 300, eventRetentionDays: 7, logger: database.logger)
            #expect(try await purger.purge(now: Date()).events == 0)
            #expect(try await purger.purge(now: Date().addingTimeInterval(8 * 86_400)).events == 3)
            _ = try await client.createTask(["title": "after the purge"], as: owner)
            try await client.send(.get, "/api/v1/events?after=1", headers: owner.bearer.merging(json)).expectProblem(.gone, "gone")
            #expect(try await client.events(after: 3, as: owner).items.map(\.seq) == [4])
        }
    }

    @Test("the feed replays after a position, then follows commits live, in order, without gaps or duplicates", arguments: TestBackend.all)
    func liveFeed(backend: TestBackend) async throws {
        let app = try await TestApp.make(backend) { $0.events.heartbeat = .seconds(1) }
        try await app.run { client, database in
            let owner = try await client.register()
            for index in 0..<3 { _ = try await client.createTask(["title": .string("before \(index)")], as: owner) }
            let feed = try Self.feed(app, database)
            let ownerID = UUID(uuidString: owner.user.id)!
            let stream = try await feed.open(owner: ownerID, after: 1, types: nil, watch: .never, logger: database.logger)
            let writer = Task {
                for index in 0..<20 { _ = try await client.createTask(["title": .string("live \(index)")], as: owner) }
            }
            var seen: [Int64] = []
            var heartbeats = 0
            for try await item in stream {
                switch item {
                case .event(let event): seen.append(event.seq)
                case .heartbeat: heartbeats += 1
                case .opened, .credentialEnded: break
                }
                if seen.count == 22 { break }
            }
            try await writer.value
            #expect(seen == Array(2...23))
        }
    }

    @Test("a node caps open feeds per user with a 429, and a slow reader is cut off when its buffer fills", arguments: TestBackend.all)
    func capsAndSlowReaders(backend: TestBackend) async throws {
        let app = try await TestApp.make(backend) {
            $0.events.streamsPerUser = 2
            $0.events.bufferSize = 4
        }
        // Two streams at the cap of two, the first left unread.
        try await app.run { client, database in
            let owner = try await client.register()
            let ownerID = UUID(uuidString: owner.user.id)!
            let feed = try Self.feed(app, database, streamsPerUser: 2, bufferSize: 4)
            let first = try await feed.open(owner: ownerID, after: 0, types: nil, watch: .never, logger: database.logger)
            let second = try await feed.open(owner: ownerID, after: 0, types: nil, watch: .never, logger: database.logger)
            await #expect(throws: AppError.self) {
                _ = try await feed.open(owner: ownerID, after: 0, types: nil, watch: .never, logger: database.logger)
            }
            // The first stream's client reads its opening and then stops: the buffer of four fills, stays full past the
            // stall timeout, and the stream ends.
            var reader = first.makeAsyncIterator()
            _ = try await reader.next()
            for index in 0..<10 { _ = try await client.createTask(["title": .string("flood \(index)")], as: owner) }
            try await Task.sleep(for: .seconds(3))
            var received = 0
            var ended: (any Error)?
            do {
                while let item = try await reader.next() { if case .event = item { received += 1 } }
            } catch {
                ended = error
            }
            #expect(ended is EventFeed.SlowConsumer)
            #expect(received < 10)
            // Its slot is free again; a stream that catches up at full speed is never cut, however far behind it starts.
            try await Task.sleep(for: .milliseconds(100))
            let catchingUp = try await feed.open(owner: ownerID, after: 0, types: nil, watch: .never, logger: database.logger)
            var replayed: [Int64] = []
            for try await item in catchingUp {
                if case .event(let event) = item { replayed.append(event.seq) }
                if replayed.count == 10 { break }
            }
            #expect(replayed == Array(1...10))
            _ = second
        }
    }

    @Test("closing a user's feeds (signed out everywhere, token revoked) ends them and frees their places", arguments: TestBackend.all)
    func closeFeeds(backend: TestBackend) async throws {
        let app = try await TestApp.make(backend)
        try await app.run { client, database in
            let owner = try await client.register()
            let ownerID = UUID(uuidString: owner.user.id)!
            let feed = try Self.feed(app, database)
            let stream = try await feed.open(owner: ownerID, after: nil, types: nil, watch: .never, logger: database.logger)
            var iterator = stream.makeAsyncIterator()
            guard case .opened(let start) = try await iterator.next() else {
                Issue.record("a stream starts with its position")
                return
            }
            #expect(start == 0)
            feed.hub.close(ownerID)
            #expect(feed.hub.openCount == 0)
            while try await iterator.next() != nil {}  // ends without an error
            // A stream whose body is never read gives its place back when dropped.
            _ = try await feed.open(owner: ownerID, after: nil, types: nil, watch: .never, logger: database.logger)
            #expect(feed.hub.openCount == 0)
        }
    }

    @Test("the node-wide cap counts every user's streams; closing one frees its place")
    func nodeCap() throws {
        let hub = EventHub(perUser: 5, perNode: 2)
        let first = try hub.subscribe(UUID())
        _ = try hub.subscribe(UUID())
        #expect(throws: AppError.self) { _ = try hub.subscribe(UUID()) }
        hub.unsubscribe(first)
        hub.unsubscribe(first)  // idempotent
        #expect(hub.openCount == 1)
        _ = try hub.subscribe(UUID())
    }

    /// A feed over the test app's database (the app's own hub is not reachable from a test, so commits wake this one
    /// only through its idle polling, which the test relies on).
    static func feed(_ app: TestApp, _ database: DocketDatabase, streamsPerUser: Int = 10, bufferSize: Int = 256) throws -> EventFeed {
        var settings = app.config.events
        settings.streamsPerUser = streamsPerUser
        settings.bufferSize = bufferSize
        settings.heartbeat = .seconds(1)
        settings.stallTimeout = .seconds(1)
        let hub = EventHub(perUser: streamsPerUser, perNode: 100)
        let components = EventComponents(config: app.config, database: database, jobSignal: WakeSignal())
        return EventFeed(store: EventStore(database: database), hub: hub, outbox: components.outbox, settings: settings)
    }
}
