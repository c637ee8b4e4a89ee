import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import SQLKit
import ServiceLifecycle
import Testing

@testable import Docket

@Suite("The statistics read model is eventually consistent and rebuildable")
struct StatsReadModelTests {
    @Test(
        "after 5,000 random changes, with the consumer killed and restarted midway, the live model matches the tasks and a replay",
        .serialized, arguments: TestTransport.matrix)
    func replayEqualsLive(backend: TestBackend, transport: TestTransport) async throws {
        let app = try await TestApp.make(backend) { config in
            try? transport.configure(&config)
            config.consumers.enabled = false  // The test runs (and kills) the consumer itself.
        }
        try await app.run { client, database in
            let users = [try await client.register(), try await client.register()]
            let logger = Logger(label: "test")
            let broker = try app.config.broker.map { try RedisEventBroker(settings: $0, logger: logger) }
            func startConsumer() -> Task<Void, any Error> {
                let processor = ConsumerProcessor(database: database, consumer: StatsProjector())
                let deadLetters = DeadLetterStore(database: database)
                let service: any Service =
                    if let broker {
                        BrokerConsumerRunner(
                            broker: broker, processor: processor, deadLetters: deadLetters, settings: app.config.consumers, metrics: app.metrics,
                            gate: openGate(), logger: logger)
                    } else {
                        OutboxConsumerRunner(
                            processor: processor, deadLetters: deadLetters, settings: app.config.consumers, signal: WakeSignal(),
                            metrics: app.metrics,
                            gate: openGate(), logger: logger)
                    }
                return Task { try await service.run() }
            }
            var consumer = startConsumer()
            // Two writers: events of two users interleave, without taking every core from the rest of the suite.
            let workers = 2
            let perWorker = 2504  // 2 × 2,504 = 5,008 writes
            let yesterday = StatsDay.string(Date().addingTimeInterval(-86_400))
            let tomorrow = StatsDay.string(Date().addingTimeInterval(86_400))
            for half in 0..<2 {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for worker in 0..<workers {
                        group.addTask {
                            var random = SeededRandom(seed: UInt64(worker * 7919 + half * 104_729 + 1))
                            let tokens = users[worker % users.count]
                            // Each write changes something (a patch picks another value than the task has), so each is one event.
                            var mine: [(id: String, status: String, priority: String, due: String?)] = []
                            for _ in 0..<(perWorker / 2) {
                                let roll = Int.random(in: 0..<100, using: &random)
                                if mine.isEmpty || roll < 35 {
                                    let fields: [String: JSONValue] = [
                                        "title": .string("w\(worker)"),
                                        "priority": .string(["low", "medium", "high"].randomElement(using: &random)!),
                                        "due_date": [.null, .string(yesterday), .string(tomorrow)].randomElement(using: &random)!,
                                    ]
                                    let task = try await client.createTask(fields, as: tokens)
                                    mine.append((task.id, task.status, task.priority, task.dueDate))
                                } else if roll < 85 {
                                    let index = Int.random(in: 0..<mine.count, using: &random)
                                    var task = mine[index]
                                    let change: [String: JSONValue]
                                    switch Int.random(in: 0..<3, using: &random) {
                                    case 0:
                                        task.status = ["todo", "in_progress", "done"].filter { $0 != task.status }.randomElement(using: &random)!
                                        change = ["status": .string(task.status)]
                                    case 1:
                                        task.priority = ["low", "medium", "high"].filter { $0 != task.priority }.randomElement(using: &random)!
                                        change = ["priority": .string(task.priority)]
                                    default:
                                        task.due = [nil, yesterday, tomorrow].filter { $0 != task.due }.randomElement(using: &random)!
                                        change = ["due_date": task.due.map(JSONValue.string) ?? .null]
                                    }
                                    mine[index] = task
                                    let response = try await client.send(
                                        .patch, "/api/v1/tasks/\(task.id)", json: JSONObject(change), headers: tokens.bearer)
                                    try #require(response.status == .ok, "\(response.text)")
                                } else {
                                    let index = Int.random(in: 0..<mine.count, using: &random)
                                    let response = try await client.send(
                                        .delete, "/api/v1/tasks/\(mine.remove(at: index).id)", headers: tokens.bearer)
                                    try #require(response.status == .noContent)
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                if half == 0 {
                    // Killed mid-stream (whatever it was applying rolls back), then a new consumer takes over later.
                    consumer.cancel()
                    _ = try? await consumer.value
                    consumer = startConsumer()
                }
            }
            var live: [[String]] = []
            for tokens in users {
                let stats = try await client.currentStats(as: tokens, timeout: .seconds(120))
                // The model agrees with the tasks themselves.
                let tasks = try await client.walkTasks("limit=100", as: tokens)
                #expect(stats.open == tasks.filter { $0.status != "done" }.count)
                #expect(stats.done == tasks.filter { $0.status == "done" }.count)
                #expect(stats.overdue == tasks.filter { $0.status != "done" && $0.dueDate == yesterday }.count)
                for priority in ["low", "medium", "high"] {
                    #expect(stats.byPriority[priority] == tasks.filter { $0.status != "done" && $0.priority == priority }.count)
                }
                live.append(try await statsRows(of: tokens.user.id, in: database))
            }
            consumer.cancel()
            _ = try? await consumer.value
            await broker?.close()
            let events = try await count("SELECT COUNT(*) AS count FROM events", in: database)
            #expect(events == workers * perWorker)
            let outcome = try await EventOperations(database: database, logger: logger).rebuildStatistics()
            #expect(outcome.events == events && outcome.replayedUsers == 2 && outcome.seededUsers == 0)
            for (index, tokens) in users.enumerated() {
                #expect(try await statsRows(of: tokens.user.id, in: database) == live[index])
            }
        }
    }

    @Test("a user whose first events were purged is seeded from their tasks at their newest event", arguments: TestBackend.all)
    func seededRebuild(backend: TestBackend) async throws {
        let app = try await TestApp.make(backend) { $0.consumers.enabled = true }
        try await app.run { client, database in
            let user = try await client.register()
            for index in 0..<5 { _ = try await client.createTask(["title": .string("t\(index)")], as: user) }
            let done = try await client.createTask(["title": "done"], as: user)
            #expect(try await client.send(.patch, "/api/v1/tasks/\(done.id)", json: ["status": "done"], headers: user.bearer).status == .ok)
            let before = try await client.currentStats(as: user)
            try await database.sql(logger: database.logger).raw("DELETE FROM events WHERE seq <= 2").run()
            let outcome = try await EventOperations(database: database, logger: database.logger).rebuildStatistics(
                only: UUID(uuidString: user.user.id))
            #expect(outcome.seededUsers == 1 && outcome.replayedUsers == 0)
            let after = try await client.stats(as: user)
            #expect(after.open == before.open && after.done == before.done && after.asOfSeq == before.asOfSeq)
            #expect(after.completedPerDay.last?.count == 1)
        }
    }
}

/// A small deterministic generator, so a failing workload can be replayed.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }

    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}
