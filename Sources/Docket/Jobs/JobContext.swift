import Foundation
import Logging
import SQLKit

/// What a running job's handler may do besides its own work: commit steps with their progress, and notice when to stop.
struct JobContext: Sendable {
    let job: JobRecord
    let worker: String
    let store: JobStore
    let database: DocketDatabase
    let leaseSeconds: Int64
    /// A pause after each committed step.
    var stepPause: Duration = .zero
    let logger: Logger
    /// True once the node is shutting down: the job is then released for another node.
    let isStopping: @Sendable () -> Bool
    /// Told of progress after each committed step (e.g. to notify a connected client).
    let onProgress: @Sendable (_ done: Int, _ total: Int?) -> Void

    /// Throws `JobInterruption.leaseLostOrCancelled` unless this run still holds the job's lease, checked on `sql`: the
    /// transaction of the change it guards (on PostgreSQL the job's row then stays locked until that transaction ends,
    /// so no other node can take the job over between the check and the change).
    func checkLease(on sql: any SQLDatabase) async throws {
        guard try await store.holdsLease(job.id, worker: worker, now: Microseconds.now(), on: sql) else {
            throw JobInterruption.leaseLostOrCancelled
        }
    }

    /// Runs `change` in one transaction with `checkLease`: a change a job makes after its lease could have ended
    /// (another node may be running the job by then) happens only while the lease is still this run's.
    func whileLeased<T: Sendable>(_ change: @Sendable @escaping (any SQLDatabase) async throws -> T) async throws -> T {
        try await database.transaction(logger: logger) { sql in
            try await checkLease(on: sql)
            return try await change(sql)
        }
    }

    /// Runs `work` and records `done`/`total` and the checkpoint (made after `work`, so it can count what `work` did) in
    /// one transaction, so the step's writes and the record of having made them commit together or not at all. Throws
    /// `JobInterruption` (rolling the step back) when the node is stopping, the lease was lost or a cancellation was requested.
    @discardableResult
    func step<Outcome: Sendable>(
        done: Int, total: Int?, checkpoint: @Sendable @escaping () throws -> String?,
        _ work: @Sendable @escaping (any SQLDatabase) async throws -> Outcome
    ) async throws -> Outcome {
        guard !isStopping() else { throw JobInterruption.stopping }
        let (id, worker, lease) = (job.id, self.worker, leaseSeconds)
        let store = self.store
        let outcome = try await database.transaction(logger: logger) { sql in
            let outcome = try await work(sql)
            let now = Microseconds.now()
            guard
                try await store.recordProgress(
                    id, worker: worker, done: done, total: total, checkpoint: try checkpoint(), now: now, leaseMicroseconds: lease * 1_000_000,
                    on: sql)
            else { throw JobInterruption.leaseLostOrCancelled }
            return outcome
        }
        onProgress(done, total)
        if stepPause > .zero { try await Task.sleep(for: stepPause) }
        return outcome
    }
}
