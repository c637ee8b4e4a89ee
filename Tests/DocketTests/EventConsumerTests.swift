import DocketRedis
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import SQLKit
import Testing

@testable import Docket

@Suite("Event consumers: the broker relay, the inbox, dead letters and the statistics read model")
struct EventConsumerTests {
    @Test("every change reaches the statistics once; on the broker each user's events keep their order and ids", arguments: TestTransport.matrix)
    func endToEnd(backend: TestBackend, transport: TestTransport) async throws {
        let app = try await TestApp.make(backend) { try? transport.configure(&$0) }
        try await app.run { client, database in
            let alice = try await client.register()
            let bob = try await client.register()
            let yesterday = StatsDay.string(Date().addingTimeInterval(-86_400))
            let late = try await client.createTask(["title": "late", "due_date": .string(yesterday), "priority": "high"], as: alice)
            let second = try await client.createTask(["title": "two"], as: alice)
            let third = try await client.createTask(["title": "three", "priority": "low"], as: alice)
            let gone = try await client.createTask(["title": "four"], as: alice)
            _ = try await client.createTask(["title": "bob's"], as: bob)
            for (task, status) in [(second, "done"), (third, "in_progress"), (third, "done"), (third, "todo")] {
                let response = try await client.send(.patch, "/api/v1/tasks/\(task.id)", json: ["status": status], headers: alice.bearer)
                #expect(response.status == .ok)
            }
            #expect(try await client.send(.delete, "/api/v1/tasks/\(gone.id)", headers: alice.bearer).status == .noContent)

            let stats = try await client.currentStats(as: alice)
            let events = try await client.events(as: alice).items
            #expect(stats.asOfSeq == events.last?.seq)
            #expect(stats.byStatus == ["todo": 2, "in_progress": 0, "done": 1])
            #expect(stats.open == 2 && stats.done == 1)
            #expect(stats.byPriority == ["low": 1, "medium": 0, "high": 1])
            #expect(stats.overdue == 1)
            #expect(stats.completedPerDay.count == 90)
            #expect(stats.completedPerDay.last?.date == StatsDay.string(Date()))
            #expect(stats.completedPerDay.last?.count == 2)  // Two completions today; the reopening does not undo one.
            _ = late
            let bobStats = try await client.currentStats(as: bob)
            #expect(bobStats.open == 1)
            // Each event was processed once: one inbox row per event.
            let total = events.count + (try await client.events(as: bob).items.count)
            #expect(try await count("SELECT COUNT(*) AS count FROM consumer_inbox WHERE consumer = 'stats'", in: database) == total)
            guard transport == .broker, let settings = app.config.broker else { return }
            let redis = try TestRedis.client()
            let entries = try await redis.range(of: settings.stream, count: 1000)
            let alices = entries.filter { $0.fields["user_id"] == alice.user.id }
            #expect(alices.map { $0.fields["id"] } == events.map(\.id))
            #expect(alices.map { $0.fields["seq"] } == events.map { String($0.seq) })
            // The message carries the same CloudEvent the feed and webhooks do.
            let document = try JSONDecoder().decode(EventBody.self, from: Data(alices[0].fields["event"]!.utf8))
            #expect(document.id == events[0].id && document.type == "task.created")
            await redis.close()
        }
    }

    @Test("a relay that dies mid-batch loses nothing, and the consumer's inbox absorbs what it published twice", arguments: TestBackend.all)
    func relayDiesMidBatch(backend: TestBackend) async throws {
        let app = try await TestApp.make(backend) { $0.consumers.enabled = false }
        try await app.run { client, database in
            let user = try await client.register()
            for index in 0..<12 { _ = try await client.createTask(["title": .string("task \(index)")], as: user) }
            let logger = Logger(label: "test")
            var settings = BrokerSettings(endpoint: try TestRedis.endpoint())
            settings.stream = TestRedis.uniqueStream()
            let broker = try RedisEventBroker(settings: settings, logger: logger)
            let metrics = DocketMetrics()
            let dying = OutboxRelay(
                database: database, broker: FailingBroker(real: broker, passing: 7), settings: settings, signal: WakeSignal(), metrics: metrics,
                gate: openGate(), logger: logger)
            await #expect(throws: FailingBroker.Died.self) { try await dying.publishRound() }
            #expect(try await OutboxRelay.backlog(database: database, logger: logger) == 12)
            let next = OutboxRelay(
                database: database, broker: broker, settings: settings, signal: WakeSignal(), metrics: metrics, gate: openGate(), logger: logger)
            #expect(try await next.publishRound() == 12)
            #expect(try await OutboxRelay.backlog(database: database, logger: logger) == 0)
            let redis = try TestRedis.client()
            #expect(try await redis.length(of: settings.stream) == 19)
            // A forged entry (anyone who can write to the stream): a real event's number and owner under another id, with a
            // body completing the task, and an event the outbox never had. Neither changes the statistics.
            let first = try #require(
                try await EventStore(database: database).events(of: UUID(uuidString: user.user.id)!, after: 0, limit: 1, logger: logger).first)
            let forged = first.envelope.replacingOccurrences(of: "\"todo\"", with: "\"done\"")
            try await broker.publish([
                BrokerMessage(
                    eventID: UUID().uuidString.lowercased(), userID: user.user.id, seq: 1, type: "task.completed", occurredAt: first.occurredAt,
                    event: forged),
                BrokerMessage(
                    eventID: UUID().uuidString.lowercased(), userID: user.user.id, seq: 99, type: "task.created", occurredAt: first.occurredAt,
                    event: forged),
            ])

            let runner = BrokerConsumerRunner(
                broker: broker, processor: ConsumerProcessor(database: database, consumer: StatsProjector()),
                deadLetters: DeadLetterStore(database: database),
                settings: ConsumerSettings(), metrics: metrics, gate: openGate(), logger: logger)
            let running = Task { try await runner.run() }
            #expect(
                try await eventually { try await count("SELECT COUNT(*) AS count FROM consumer_inbox WHERE consumer = 'stats'", in: database) == 12 })
            #expect(try await eventually { try await broker.backlog(of: "docket-stats") == 0 })
            running.cancel()
            _ = try? await running.value
            let stats = try await client.stats(as: user)
            #expect(stats.open == 12 && stats.asOfSeq == 12 && stats.eventsBehind == 0)
            #expect(try await count("SELECT COUNT(*) AS count FROM consumer_inbox WHERE consumer = 'stats'", in: database) == 12)
            #expect(try await count("SELECT COUNT(*) AS count FROM dead_letters WHERE consumer = 'stats'", in: database) == 2, "the forged entries")
            let rendered = String(decoding: metrics.render(), as: UTF8.self)
            #expect(rendered.contains("consumer_messages_total{consumer=\"stats\",outcome=\"duplicate\"} 7"))
            #expect(rendered.contains("consumer_messages_total{consumer=\"stats\",outcome=\"applied\"} 12"))
            await redis.close()
            await broker.close()
        }
    }

    @Test(
        "with the broker down writes go on, readiness and the alert gauge report the backlog, and it drains when the broker returns",
        arguments: TestBackend.all)
    func brokerOutage(backend: TestBackend) async throws {
        let redis = try RedisInstance()
        try redis.stop()
        let app = try await TestApp.make(backend) { config in
            var settings = BrokerSettings(endpoint: redis.endpoint)
            settings.maxBacklog = 5
            settings.leaseSeconds = 2
            config.broker = settings
            config.consumers.enabled = true
        }
        try await app.run { client, database in
            let user = try await client.register()
            for index in 0..<10 { _ = try await client.createTask(["title": .string("written while the broker is down \(index)")], as: user) }
            #expect(try await eventually { try await client.send(.get, "/ready").status == .serviceUnavailable })
            let problem = try await client.send(.get, "/ready").expectProblem(.serviceUnavailable, "service-unavailable")
            #expect(problem.detail?.contains("DOCKET_BROKER_MAX_BACKLOG") == true)
            #expect(try await eventually { String(decoding: app.metrics.render(), as: UTF8.self).contains("event_relay_backlog_exceeded 1") })
            #expect(try await client.stats(as: user).eventsBehind == 10)

            try redis.restart()
            #expect(try await eventually { try await client.send(.get, "/ready").status == .ok })
            let stats = try await client.currentStats(as: user)
            #expect(stats.open == 10)
            let reader = try RedisClient(endpoint: redis.endpoint, logger: Logger(label: "test"))
            #expect(try await reader.length(of: "docket:events") == 10)
            await reader.close()
            #expect(try await eventually { String(decoding: app.metrics.render(), as: UTF8.self).contains("event_relay_backlog_exceeded 0") })
            _ = database
        }
    }

    @Test("a consumer whose group the broker lost (the stream deleted) creates it again and reads on", arguments: TestBackend.all)
    func lostGroup(backend: TestBackend) async throws {
        let app = try await TestApp.make(backend) { try? TestTransport.broker.configure(&$0) }
        try await app.run { client, _ in
            let user = try await client.register()
            for index in 0..<3 { _ = try await client.createTask(["title": .string("before \(index)")], as: user) }
            #expect(try await client.currentStats(as: user).open == 3)
            // What a Redis restart without persistence, or a FLUSHALL, does to Docket's stream and its groups.
            let redis = try TestRedis.client()
            _ = try await redis.send(RedisCommand("DEL", [app.config.broker!.stream]))
            await redis.close()
            for index in 0..<2 { _ = try await client.createTask(["title": .string("after \(index)")], as: user) }
            #expect(try await eventually { try await client.stats(as: user).open == 5 }, "the events after the loss are applied")
        }
    }

    @Test("an event the broker lost after the relay published it is found against the outbox and applied from it", arguments: TestBackend.all)
    func lostEntries(backend: TestBackend) async throws {
        let app = try await TestApp.make(backend) {
            try? TestTransport.broker.configure(&$0)
            // The default 30 s before an event counts as lost would only make the test wait.
            $0.consumers.missedAfter = .seconds(1)
        }
        try await app.run { client, database in
            let user = try await client.register()
            let owner = UUID(uuidString: user.user.id)!
            let created = try await client.createTask(["title": "kept"], as: user)
            #expect(try await eventually { try await client.stats(as: user).open == 1 })
            // What an append-only file losing its last second, or trimming before the group read, leaves behind: an
            // event stored and marked published that the stream does not hold.
            let store = EventStore(database: database)
            let template = try await store.events(of: owner, after: 0, limit: 1, types: ["task.created"], logger: database.logger)[0]
            let head = try await store.head(of: owner, logger: database.logger)
            let lostTask = UUID().uuidString.lowercased()
            var lost = template
            lost.id = UUID()
            lost.seq = head + 1
            lost.subject = "tasks/\(lostTask)"
            lost.data = template.data.replacingOccurrences(of: created.id, with: lostTask)
            try #require(lost.data != template.data)
            try await database.transaction(logger: database.logger) { [lost] sql in
                try await sql.insert(into: "events").model(lost, nilEncodingStrategy: .asNil).run()
                try await sql.raw(
                    "UPDATE event_streams SET last_seq = \(bind: lost.seq), published_seq = \(bind: lost.seq) WHERE user_id = \(bind: owner)"
                ).run()
            }
            #expect(try await eventually { try await client.stats(as: user).open == 2 }, "the lost event is applied")
            let inbox = try await count(
                "SELECT COUNT(*) AS count FROM consumer_inbox WHERE consumer = 'stats' AND message_id = \(bind: lost.id.lowercased)", in: database)
            #expect(inbox == 1)
            // The sweep's offset moves past every event it proved processed, so the next sweep starts after them.
            #expect(
                try await eventually {
                    try await count("SELECT seq AS count FROM consumer_offsets WHERE consumer = 'stats' AND user_id = \(bind: owner)", in: database)
                        == Int(lost.seq)
                })
        }
    }

    @Test(
        "a poison message becomes a dead letter after its attempts; the ones behind it flow; operators retry or drop it",
        arguments: TestTransport.matrix)
    func poisonMessages(backend: TestBackend, transport: TestTransport) async throws {
        let app = try await TestApp.make(backend) { try? transport.configure(&$0) }
        try await app.run { client, database in
            let user = try await client.register()
            _ = try await client.createTask(["title": "before"], as: user)
            let before = try await client.currentStats(as: user)
            let owner = UUID(uuidString: user.user.id)!
            let poisonSeq = before.asOfSeq + 1
            switch transport {
            case .broker:
                let redis = try TestRedis.client()
                let stream = app.config.broker!.stream
                // One message without its fields, and one whose event document is not a task event.
                _ = try await redis.append(
                    [
                        [("garbage", "yes")],
                        [
                            ("id", UUID().uuidString.lowercased()), ("user_id", user.user.id), ("seq", "999"), ("type", "task.created"),
                            ("occurred_at", "0"), ("event", "{not json"),
                        ],
                    ], to: stream, maxLength: nil)
                await redis.close()
            case .database:
                // A stored event the projector cannot read, numbered like any other, committed with its number as the outbox
                // does (apart, a consumer reading between them would take the event for purged and pass it by).
                try await database.transaction(logger: database.logger) { sql in
                    try await sql.raw("UPDATE event_streams SET last_seq = last_seq + 1 WHERE user_id = \(bind: owner)").run()
                    try await sql.insert(into: "events").model(
                        StoredEvent(
                            id: UUID(), userID: owner, seq: poisonSeq, type: "task.created", subject: "tasks/x", occurredAt: Microseconds.now(),
                            actorType: "system", actorID: nil, actorTool: nil, requestID: nil, schemaVersion: 1, data: "{\"task\": 5}"),
                        nilEncodingStrategy: .asNil
                    ).run()
                }
            }
            _ = try await client.createTask(["title": "after"], as: user)
            let expected = transport == .broker ? 2 : 1
            #expect(try await eventually { try await count("SELECT COUNT(*) AS count FROM dead_letters", in: database) == expected })
            let stats = try await client.currentStats(as: user)
            #expect(stats.open == 2)

            let operations = EventOperations(database: database, logger: database.logger)
            let letters = try await operations.deadLetters(consumer: "stats", limit: 10)
            try #require(letters.count == expected)
            #expect(letters.allSatisfy { !$0.error.isEmpty && $0.attempts >= 1 })
            for letter in letters {
                await #expect(throws: (any Error).self) { try await operations.retryDeadLetter(letter.id) }
            }
            #expect(try await operations.deadLetters(consumer: nil, limit: 10).count == expected)
            for letter in letters { try await operations.dropDeadLetter(letter.id) }
            #expect(try await operations.deadLetters(consumer: nil, limit: 10).isEmpty)
            for letter in letters {
                // Dropped means handled: the inbox keeps the event from being applied later (by the missed-event sweep).
                let inbox = try await count(
                    "SELECT COUNT(*) AS count FROM consumer_inbox WHERE consumer = 'stats' AND message_id = \(bind: letter.messageID)", in: database)
                #expect(inbox == 1)
            }
            await #expect(throws: (any Error).self) { try await operations.dropDeadLetter(letters[0].id) }
            #expect(String(decoding: app.metrics.render(), as: UTF8.self).contains("outcome=\"dead_lettered\""))
        }
    }
}
