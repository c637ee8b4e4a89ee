/// Runs one kind of job. Handlers must be idempotent: a job may run again after a crash, so each step's writes and
/// its checkpoint commit together (`JobContext.step`), and the handler resumes from `job.checkpoint`.
protocol JobHandler: Sendable {
    /// The job kind this handler runs, e.g. `bulk_update_tasks`.
    var kind: String { get }
    /// Does the work and returns the result as JSON; throws `JobFailure.permanent` for input that can never succeed.
    func run(_ job: JobRecord, context: JobContext) async throws -> String
    /// The backoff between this kind's attempts; nil uses the queue's (`DOCKET_JOB_*`).
    var retrySchedule: RetrySchedule? { get }
}

extension JobHandler {
    var retrySchedule: RetrySchedule? { nil }
}

/// A failure that retrying cannot mend (the job goes straight to `failed`).
enum JobFailure: Error, CustomStringConvertible {
    case permanent(String)

    var description: String {
        switch self {
        case .permanent(let message): message
        }
    }
}

/// Why a step did not commit: this node no longer holds the job, its owner asked to cancel it, or the node is stopping.
enum JobInterruption: Error {
    case leaseLostOrCancelled
    case stopping
}

/// Thrown by a handler whose work must wait (a saga's grace period): the job goes back to the queue, due at `until`
/// (microseconds since 1970), without using an attempt.
struct JobDeferral: Error {
    let until: Int64
}
