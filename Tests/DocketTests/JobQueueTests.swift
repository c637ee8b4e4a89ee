import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import SQLKit
import Synchronization
import Testing

@testable import Docket

/// A job that fails every attempt, to watch retries end in the dead-letter state.
private struct AlwaysFailingJob: JobHandler {
    var kind: String { "always_fails" }
    func run(_ job: JobRecord, context: JobContext) async throws -> String {
        throw AppError(.conflict, "boom")
    }
}

@Suite("The durable job queue")
struct JobQueueTests {
    /// A worker of this test's own, on the app's database (the app's own worker is off in these tests).
    static func worker(_ database: DocketDatabase, handlers: [any JobHandler], configure: (inout JobSettings) -> Void = { _ in }) -> JobWorker {
        var settings = JobSettings()
        settings.leaseSeconds = 2
        configure(&settings)
        let gate = StartGate()
        gate.open()
        return JobWorker(
            store: JobStore(database: database), database: database, handlers: handlers, signal: WakeSignal(), gate: gate, settings: settings,
            metrics: DocketMetrics(), logger: database.logger)
    }

    @Test("the backoff doubles from its base, is capped, and keeps half of each delay fixed")
    func retrySchedule() {
        let schedule = RetrySchedule(base: 2, cap: 60)
        #expect(schedule.delay(afterAttempt: 1, random: 0) == 1 && schedule.delay(afterAttempt: 1, random: 1) == 2)
        #expect(schedule.delay(afterAttempt: 3, random: 0.5) == 6)
        #expect(schedule.delay(afterAttempt: 10, random: 0) == 30 && schedule.delay(afterAttempt: 99, random: 1) == 60)
    }

    @Test("a worker whose start is cancelled (the server failed to start) stops instead of waiting for ever")
    func cancelledStartStops() async throws {
        let database = try DocketDatabase(location: try await TestBackend.sqlite.freshLocation(), logger: Logger(label: "test"))
        var settings = JobSettings()
        settings.pollInterval = .seconds(3600)
        let worker = JobWorker(
            store: JobStore(database: database), database: database, handlers: [AlwaysFailingJob()], signal: WakeSignal(), gate: StartGate(),
            settings: settings, metrics: DocketMetrics(), logger: Logger(label: "test"))
        let running = Task { try await worker.run() }
        try await Task.sleep(for: .milliseconds(100))
        running.cancel()
        let stopped = await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await running.value) != nil }
            group.addTask {
                try? await Task.sleep(for: .seconds(30))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        #expect(stopped, "the worker returned after cancellation")
        await database.close()
    }

    @Test("a step pause of half the lease or more is refused: a job must renew its lease")
    func pauseAgainstLease() throws {
        #expect(throws: ConfigError.self) { try DocketConfig.load(from: ["DOCKET_JOB_LEASE": "2", "DOCKET_JOB_STEP_PAUSE": "1000"]) }
        #expect(try DocketConfig.load(from: ["DOCKET_JOB_LEASE": "3", "DOCKET_JOB_STEP_PAUSE": "100"]).jobs.stepPause == .milliseconds(100))
    }

    @Test("dates move across months, leap days and years; invalid ones do not move")
    func calendarShift() {
        #expect(CalendarDate.shift("2026-01-31", byDays: 1) == "2026-02-01")
        #expect(CalendarDate.shift("2024-02-28", byDays: 1) == "2024-02-29")
        #expect(CalendarDate.shift("2025-03-01", byDays: -1) == "2025-02-28")
        #expect(CalendarDate.shift("2026-12-31", byDays: 366) == "2028-01-01")
        #expect(CalendarDate.shift("2026-02-30", byDays: 1) == nil && CalendarDate.shift("9999-12-31", byDays: 1) == nil)
    }

    @Test("CSV: quotes, commas, doubled quotes, CRLF; an open quote is refused")
    func csv() {
        #expect(CSVReader.rows("a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\n") == [["a", "b"], ["x, y", "say \"hi\""]])
        #expect(CSVReader.rows("a\n\"multi\nline\"\n") == [["a"], ["multi\nline"]])
        #expect(CSVReader.rows("a\n\"open") == nil && CSVReader.rows("a\n\"x\"y") == nil)
    }

    @Test("a node that dies mid-job loses its lease; another node finishes the job and changes no task twice", arguments: TestBackend.all)
    func leaseExpiryTakeover(backend: TestBackend) async throws {
        try await TestApp.make(backend) { $0.jobs.concurrency = 0 }.run { client, database in
            let owner = try await client.register()
            for index in 0..<30 { _ = try await client.createTask(["title": .string("t\(index)"), "due_date": "2026-01-01"], as: owner) }
            let store = JobStore(database: database)
            let queue = JobQueue(store: store, signal: WakeSignal(), maxAttempts: 3)
            let update = BulkTaskUpdate(shiftDueDays: 1)
            let ownerID = UUID(uuidString: owner.user.id)!
            let queued = try await queue.enqueue(kind: BulkUpdateTasksJob.kind, payload: update, owner: ownerID, logger: database.logger)

            // Node A claims the job, commits one batch of 10, then "dies" (its lease is never renewed or released).
            let now = Microseconds.now()
            let claimedByA = try #require(
                try await store.claim(
                    worker: "node-a", kinds: [BulkUpdateTasksJob.kind], now: now, leaseMicroseconds: 1_000_000, logger: database.logger))
            #expect(claimedByA.id == queued.id && claimedByA.attempts == 1)
            let steps = StepCounter()
            let contextA = JobContext(
                job: claimedByA, worker: "node-a", store: store, database: database, leaseSeconds: 1, logger: database.logger,
                isStopping: { steps.value >= 1 }, onProgress: { _, _ in steps.increment() })
            let tasks = TaskStore(database: database, metrics: DocketMetrics())
            await #expect(throws: JobInterruption.self) {
                try await BulkUpdateTasksJob(store: tasks, outbox: Self.outbox(database), batchSize: 10).run(claimedByA, context: contextA)
            }
            let midway = try #require(try await store.find(queued.id, owner: nil, logger: database.logger))
            #expect(midway.state == .running && midway.progressDone == 10 && midway.leaseOwner == "node-a")

            // While A's lease lasts nobody else may take the job; once it has expired, node B does.
            let workerB = Self.worker(database, handlers: [BulkUpdateTasksJob(store: tasks, outbox: Self.outbox(database), batchSize: 10)])
            let early = Microseconds.now()
            #expect(
                try await store.claim(
                    worker: workerB.workerID, kinds: [BulkUpdateTasksJob.kind], now: early, leaseMicroseconds: 2_000_000, logger: database.logger)
                    == nil)
            try await Task.sleep(for: .milliseconds(1_100))
            let later = Microseconds.now()
            let claimedByB = try #require(
                try await store.claim(
                    worker: workerB.workerID, kinds: [BulkUpdateTasksJob.kind], now: later, leaseMicroseconds: 2_000_000, logger: database.logger))
            #expect(claimedByB.attempts == 2 && claimedByB.checkpoint != nil)
            await workerB.execute(claimedByB)

            let finished = try #require(try await store.find(queued.id, owner: ownerID, logger: database.logger))
            #expect(finished.state == .succeeded && finished.leaseOwner == nil)
            #expect(finished.result == #"{"matched":30,"updated":30}"# || finished.result?.contains("\"updated\":30") == true)
            let rows = try await database.sql(logger: database.logger).raw("SELECT due_date, version FROM tasks").all()
            #expect(rows.count == 30)
            for row in rows {
                #expect(try row.decode(column: "due_date", as: String.self) == "2026-01-02")
                #expect(try row.decode(column: "version", as: Int.self) == 2)
            }
            // A, come back to life, can no longer record anything for the job.
            let stale = try await store.finish(
                queued.id, worker: "node-a", state: .failed, result: nil, error: "late", now: Microseconds.now(), logger: database.logger)
            #expect(!stale)
        }
    }

    @Test("a worker for one account (docket mcp) claims only that account's jobs", arguments: TestBackend.all)
    func ownerOnlyClaims(backend: TestBackend) async throws {
        try await TestApp.make(backend) { $0.jobs.concurrency = 0 }.run { client, database in
            let mine = UUID(uuidString: try await client.register().user.id)!
            let theirs = UUID(uuidString: try await client.register().user.id)!
            let store = JobStore(database: database)
            let queue = JobQueue(store: store, signal: WakeSignal(), maxAttempts: 2)
            let theirJob = try await queue.enqueue(kind: "always_fails", payload: ["x": 1], owner: theirs, logger: database.logger)
            _ = try await queue.enqueue(kind: "always_fails", payload: ["x": 1], owner: nil, logger: database.logger)
            let myJob = try await queue.enqueue(kind: "always_fails", payload: ["x": 2], owner: mine, logger: database.logger)
            let claim = { (owner: UUID?) in
                try await store.claim(
                    worker: "test", kinds: ["always_fails"], owner: owner, now: Microseconds.now(), leaseMicroseconds: 2_000_000,
                    logger: database.logger)
            }
            #expect(try await claim(mine)?.id == myJob.id)
            #expect(try await claim(mine) == nil, "neither another account's job nor a system job")
            #expect(try await claim(nil)?.id == theirJob.id, "a server's worker takes any account's")
        }
    }

    @Test("failed attempts are retried with backoff, then the job is dead-lettered; a retry queues it again", arguments: TestBackend.all)
    func retriesThenDeadLetter(backend: TestBackend) async throws {
        try await TestApp.make(backend) { $0.jobs.concurrency = 0 }.run { client, database in
            let owner = try await client.register()
            let ownerID = UUID(uuidString: owner.user.id)!
            let store = JobStore(database: database)
            let queue = JobQueue(store: store, signal: WakeSignal(), maxAttempts: 2)
            let job = try await queue.enqueue(kind: "always_fails", payload: ["x": 1], owner: ownerID, logger: database.logger)
            // A backoff of 10–20 s: a loaded machine cannot make the retry due before the test looks (1–2 s once did).
            let worker = Self.worker(database, handlers: [AlwaysFailingJob()]) { $0.retry = RetrySchedule(base: 20, cap: 20) }

            let first = try #require(try await Self.claim(store, worker))
            await worker.execute(first)
            let afterFirst = try #require(try await store.find(job.id, owner: nil, logger: database.logger))
            #expect(afterFirst.state == .queued && afterFirst.attempts == 1 && afterFirst.error?.contains("boom") == true)
            #expect(afterFirst.runAt > Microseconds.now() - 1_000_000 && afterFirst.runAt >= afterFirst.updatedAt + 1_000_000)
            #expect(afterFirst.runAt >= afterFirst.updatedAt + 10_000_000)
            #expect(try await Self.claim(store, worker) == nil, "not due before its backoff (10–20 s)")
            let second = try #require(try await Self.claim(store, worker, at: Microseconds.now() + 25_000_000), "due after it")
            await worker.execute(second)
            let dead = try #require(try await store.find(job.id, owner: nil, logger: database.logger))
            #expect(dead.state == .failed && dead.attempts == 2 && dead.finishedAt != nil)

            let listed = try await client.send(.get, "/api/v1/jobs?state=failed", headers: owner.bearer).decode(JobListBody.self)
            #expect(listed.items.map(\.id) == [job.id.uuidString.lowercased()] && listed.items[0].error?.contains("boom") == true)
            let retried = try await client.send(.post, "/api/v1/jobs/\(job.id.uuidString.lowercased())/retry", headers: owner.bearer)
            #expect(retried.status == .ok)
            let again = try retried.decode(JobBody.self)
            #expect(again.state == "queued" && again.attempts == 0)
        }
    }

    @Test("cancelling: a queued job at once, a running one after its current step (what it committed stays)", arguments: TestBackend.all)
    func cancellation(backend: TestBackend) async throws {
        try await TestApp.make(backend) { $0.jobs.concurrency = 0 }.run { client, database in
            let owner = try await client.register()
            let ownerID = UUID(uuidString: owner.user.id)!
            for index in 0..<20 { _ = try await client.createTask(["title": .string("t\(index)")], as: owner) }
            let store = JobStore(database: database)
            let queue = JobQueue(store: store, signal: WakeSignal(), maxAttempts: 3)
            let queued = try await queue.enqueue(
                kind: BulkUpdateTasksJob.kind, payload: BulkTaskUpdate(setPriority: .high), owner: ownerID, logger: database.logger)
            let cancelled = try await client.send(.post, "/api/v1/jobs/\(queued.id.uuidString.lowercased())/cancel", headers: owner.bearer)
            #expect(try cancelled.decode(JobBody.self).state == "cancelled")

            let tasks = TaskStore(database: database, metrics: DocketMetrics())
            let running = try await queue.enqueue(
                kind: BulkUpdateTasksJob.kind, payload: BulkTaskUpdate(setPriority: .low), owner: ownerID, logger: database.logger)
            let worker = Self.worker(database, handlers: [BulkUpdateTasksJob(store: tasks, outbox: Self.outbox(database), batchSize: 10)])
            let claimed = try #require(try await Self.claim(store, worker))
            #expect(claimed.id == running.id)
            let asked = try await client.send(.post, "/api/v1/jobs/\(running.id.uuidString.lowercased())/cancel", headers: owner.bearer)
            #expect(try asked.decode(JobBody.self).state == "running")
            await worker.execute(claimed)
            let after = try #require(try await store.find(running.id, owner: nil, logger: database.logger))
            #expect(after.state == .cancelled)
            let low = try await database.sql(logger: database.logger).raw("SELECT COUNT(*) AS n FROM tasks WHERE priority = 'low'").first()
            #expect(try low?.decode(column: "n", as: Int.self) == 0, "the first step was refused, so nothing changed")
        }
    }

    @Test("a shutting-down worker releases its job without using up an attempt", arguments: TestBackend.all)
    func releaseOnShutdown(backend: TestBackend) async throws {
        try await TestApp.make(backend) { $0.jobs.concurrency = 0 }.run { client, database in
            let owner = try await client.register()
            _ = try await client.createTask(["title": "one"], as: owner)
            let store = JobStore(database: database)
            let queue = JobQueue(store: store, signal: WakeSignal(), maxAttempts: 3)
            let job = try await queue.enqueue(
                kind: BulkUpdateTasksJob.kind, payload: BulkTaskUpdate(setStatus: .done), owner: UUID(uuidString: owner.user.id)!,
                logger: database.logger)
            let worker = Self.worker(
                database,
                handlers: [BulkUpdateTasksJob(store: TaskStore(database: database, metrics: DocketMetrics()), outbox: Self.outbox(database))])
            let claimed = try #require(try await Self.claim(store, worker))
            let context = JobContext(
                job: claimed, worker: worker.workerID, store: store, database: database, leaseSeconds: 2, logger: database.logger,
                isStopping: { true }, onProgress: { _, _ in })
            await #expect(throws: JobInterruption.self) {
                _ = try await BulkUpdateTasksJob(store: TaskStore(database: database, metrics: DocketMetrics()), outbox: Self.outbox(database)).run(
                    claimed, context: context)
            }
            #expect(
                try await store.requeue(
                    job.id, worker: worker.workerID, runAt: Microseconds.now(), error: nil, countAttempt: false, now: Microseconds.now(),
                    logger: database.logger))
            let released = try #require(try await store.find(job.id, owner: nil, logger: database.logger))
            #expect(released.state == .queued && released.attempts == 0 && released.leaseOwner == nil)
        }
    }

    @Test("a change guarded by the lease is refused, and undone, once another node holds the job", arguments: TestBackend.all)
    func leaseGuardedChanges(backend: TestBackend) async throws {
        try await TestApp.make(backend) { $0.jobs.concurrency = 0 }.run { client, database in
            let store = JobStore(database: database)
            let claimed = try await Self.bulkUpdateClaimedByNodeA(client: client, store: store)
            let context = JobContext(
                job: claimed, worker: "node-a", store: store, database: database, leaseSeconds: 30, logger: database.logger,
                isStopping: { false }, onProgress: { _, _ in })
            let mark = { @Sendable (title: String) in
                try await context.whileLeased { sql in
                    try await sql.raw("UPDATE jobs SET error = \(bind: title) WHERE id = \(bind: claimed.id)").run()
                }
            }
            try await mark("while held")
            #expect(try await store.find(claimed.id, owner: nil, logger: database.logger)?.error == "while held")
            // Node B takes the job over (node A's lease ran out while it waited on a slow receiver, say).
            try await database.sql(logger: database.logger).raw("UPDATE jobs SET lease_owner = 'node-b' WHERE id = \(bind: claimed.id)").run()
            await #expect(throws: JobInterruption.self) { try await mark("after the lease") }
            #expect(try await store.find(claimed.id, owner: nil, logger: database.logger)?.error == "while held")
        }
    }

    @Test("a node whose clock runs an hour fast cannot take a running job: leases follow the database's clock", arguments: TestBackend.all)
    func skewedNodeClock(backend: TestBackend) async throws {
        try await TestApp.make(backend) { $0.jobs.concurrency = 0 }.run { client, database in
            let store = JobStore(database: database)
            let queued = try await Self.bulkUpdateClaimedByNodeA(client: client, store: store)
            let fastClock = queued.updatedAt + 3_600_000_000
            #expect(
                try await store.claim(
                    worker: "node-fast", kinds: [BulkUpdateTasksJob.kind], now: fastClock, leaseMicroseconds: 30_000_000,
                    logger: database.logger) == nil)
            let stored = try #require(try await store.find(queued.id, owner: nil, logger: database.logger))
            #expect(stored.leaseOwner == "node-a" && stored.attempts == 1 && stored.state == .running)
        }
    }

    /// A new account's bulk update, queued and then claimed by "node-a" with a 30-second lease (its `updatedAt` is the
    /// node's clock at the claim).
    private static func bulkUpdateClaimedByNodeA(client: any TestClientProtocol, store: JobStore) async throws -> JobRecord {
        let owner = try await client.register()
        let queued = try await JobQueue(store: store, signal: WakeSignal(), maxAttempts: 3).enqueue(
            kind: BulkUpdateTasksJob.kind, payload: BulkTaskUpdate(shiftDueDays: 1), owner: UUID(uuidString: owner.user.id)!,
            logger: store.database.logger)
        let claimed = try #require(
            try await store.claim(
                worker: "node-a", kinds: [BulkUpdateTasksJob.kind], now: Microseconds.now(), leaseMicroseconds: 30_000_000,
                logger: store.database.logger))
        #expect(claimed.id == queued.id && claimed.leaseOwner == "node-a")
        return claimed
    }

    private static func claim(_ store: JobStore, _ worker: JobWorker, at now: Int64 = Microseconds.now()) async throws -> JobRecord? {
        return try await store.claim(
            worker: worker.workerID, kinds: ["always_fails", BulkUpdateTasksJob.kind], now: now, leaseMicroseconds: 2_000_000,
            logger: Logger(label: "test"))
    }

    /// An outbox for jobs run outside an application (its hub has no subscribers).
    static func outbox(_ database: DocketDatabase) -> EventOutbox {
        EventComponents(config: DocketConfig(), database: database, jobSignal: WakeSignal()).outbox
    }
}

/// Counts steps from a `@Sendable` callback.
final class StepCounter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }

}
