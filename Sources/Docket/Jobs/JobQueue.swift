import Foundation
import Logging

/// Enqueues jobs and answers for them: what the API and agent tools call. The `JobWorker`s run them.
struct JobQueue: Sendable {
    let store: JobStore
    let signal: WakeSignal
    /// Attempts a job gets before it is failed for good.
    let maxAttempts: Int

    /// Adds a job of `kind` with `payload` (encoded as JSON) for `owner`, and wakes this node's worker.
    func enqueue(kind: String, payload: some Encodable, owner: UUID?, logger: Logger) async throws -> JobRecord {
        let body = String(decoding: try JSONEncoder().encode(payload), as: UTF8.self)
        let job = JobRecord.new(kind: kind, payload: body, owner: owner, maxAttempts: maxAttempts, now: Microseconds.now())
        try await store.insert(job, logger: logger)
        signal.notify()
        return job
    }

    /// Queues a task job the owner asked for, unless the owner already has `maxPending` waiting or running
    /// (a 429 problem asking to come back once some have finished). Two requests racing at the cap may both pass it.
    func enqueueTaskJob(kind: String, payload: some Encodable, owner: UUID, maxPending: Int, logger: Logger) async throws -> JobRecord {
        let pending = try await store.pendingCount(owner: owner, kinds: [BulkUpdateTasksJob.kind, ImportTasksJob.kind], logger: logger)
        guard pending < maxPending else {
            throw AppError(
                .rateLimited,
                "The account has \(pending) bulk updates and imports queued or running (at most \(maxPending)); "
                    + "start more once some have finished.", headers: [.retryAfter: "10"])
        }
        return try await enqueue(kind: kind, payload: payload, owner: owner, logger: logger)
    }

    /// The owner's job, or a 404 problem.
    func job(_ id: UUID, owner: UUID, kinds: [String]? = nil, logger: Logger) async throws -> JobRecord {
        guard let job = try await store.find(id, owner: owner, kinds: kinds, logger: logger) else { throw AppError.notFound("No such job.") }
        return job
    }

    /// The owner's jobs, newest first, optionally in one state (`failed` lists the dead letters).
    func list(owner: UUID, state: JobState?, kinds: [String]? = nil, limit: Int, logger: Logger) async throws -> [JobRecord] {
        try await store.list(owner: owner, state: state, kinds: kinds, limit: limit, logger: logger)
    }

    /// Cancels a queued job at once, or asks a running one to stop after its current step; a finished one is a 409.
    func cancel(_ id: UUID, owner: UUID, kinds: [String]? = nil, logger: Logger) async throws -> JobRecord {
        _ = try await job(id, owner: owner, kinds: kinds, logger: logger)  // a job the caller may not see is a 404
        guard let job = try await store.cancel(id, owner: owner, now: Microseconds.now(), logger: logger) else {
            throw AppError.notFound("No such job.")
        }
        if job.state == .succeeded || job.state == .failed { throw AppError(.conflict, "The job has already finished (\(job.state.rawValue)).") }
        return job
    }

    /// Runs a failed or cancelled job again, from where it stopped, with fresh attempts; any other state is a 409.
    func retry(_ id: UUID, owner: UUID, kinds: [String]? = nil, logger: Logger) async throws -> JobRecord {
        let before = try await job(id, owner: owner, kinds: kinds, logger: logger)
        guard before.state == .failed || before.state == .cancelled else {
            throw AppError(.conflict, "Only a failed or cancelled job can be retried; this one is \(before.state.rawValue).")
        }
        guard let job = try await store.retry(id, owner: owner, now: Microseconds.now(), logger: logger) else {
            throw AppError.notFound("No such job.")
        }
        signal.notify()
        return job
    }
}
