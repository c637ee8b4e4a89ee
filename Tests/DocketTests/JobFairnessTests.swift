import Foundation
import Logging
import Synchronization
import Testing

@testable import Docket

/// The order jobs started in.
private final class RunLog: Sendable {
    private let names = Mutex<[String]>([])
    func append(_ name: String) { names.withLock { $0.append(name) } }
    var all: [String] { names.withLock { $0 } }
}

/// A job that takes `pause` and notes which job ran when, for checking the order a worker takes jobs in.
private struct RecordingJob: JobHandler {
    let kind: String
    let pause: Duration
    let ran: RunLog

    func run(_ job: JobRecord, context: JobContext) async throws -> String {
        let name = (try? JSONDecoder().decode(String.self, from: Data(job.payload.utf8))) ?? job.payload
        ran.append(name)
        try await Task.sleep(for: pause)
        return "{}"
    }
}

@Suite("One account's jobs do not hold up another's")
struct JobFairnessTests {
    @Test(
        "bulk claims go to an account without a running job first (two slots: the default), and account emails have slots of their own",
        arguments: TestBackend.all)
    func fairClaims(backend: TestBackend) async throws {
        try await TestApp.make(backend) { $0.jobs.concurrency = 0 }.run { client, database in
            let (busy, patient) = (UUID(uuidString: try await client.register().user.id)!, UUID(uuidString: try await client.register().user.id)!)
            let queue = JobQueue(store: JobStore(database: database), signal: WakeSignal(), maxAttempts: 1)
            let ran = RunLog()
            for index in 0..<6 { _ = try await queue.enqueue(kind: "slow_bulk", payload: "busy \(index)", owner: busy, logger: database.logger) }
            _ = try await queue.enqueue(kind: "slow_bulk", payload: "patient", owner: patient, logger: database.logger)
            _ = try await queue.enqueue(kind: NoticeEmailJob.kind, payload: "email", owner: nil, logger: database.logger)
            let worker = JobQueueTests.worker(
                database,
                handlers: [
                    RecordingJob(kind: "slow_bulk", pause: .milliseconds(400), ran: ran),
                    RecordingJob(kind: NoticeEmailJob.kind, pause: .zero, ran: ran),
                ]
            ) { $0.concurrency = 2 }
            let running = Task { try await worker.run() }
            defer { running.cancel() }
            let deadline = ContinuousClock.now + .seconds(30)
            while ran.all.count < 3, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            let order = ran.all
            #expect(order.prefix(3).contains("email"), "the email did not wait for the bulk lane: \(order)")
            #expect(order.filter { $0 != "email" }.prefix(2) == ["busy 0", "patient"], "the waiting account went next: \(order)")
        }
    }

    @Test("an account may have at most 20 bulk updates and imports waiting; past that a 429 problem", arguments: [TestBackend.sqlite])
    func enqueueCap(backend: TestBackend) async throws {
        try await TestApp.make(backend) { $0.jobs.concurrency = 0 }.run { client, _ in
            let owner = try await client.register()
            for _ in 0..<AuthSettings().maxPendingJobsPerUser {
                _ = try await client.startJob("/api/v1/tasks/bulk-update", body: #"{"filter": {}, "set_priority": "low"}"#, headers: owner.bearer)
            }
            let refused = try await client.sendRaw(.post, "/api/v1/tasks/import", body: #"{"tasks": [{"title": "a"}]}"#, headers: owner.bearer)
            try refused.expectProblem(.tooManyRequests, "rate-limited")
            #expect(refused.headers[.retryAfter] != nil)
            let other = try await client.register()
            _ = try await client.startJob("/api/v1/tasks/import", body: #"{"tasks": [{"title": "a"}]}"#, headers: other.bearer)
        }
    }
}
