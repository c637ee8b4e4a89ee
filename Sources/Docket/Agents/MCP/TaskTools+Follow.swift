import Foundation
import Logging

extension TaskTools {
    /// Whether tool `name` starts a background job (and so can report its progress).
    static func startsJobs(_ name: String) -> Bool { name == "bulk_update_tasks" || name == "import_tasks" }

    /// How long a call that asked for progress waits for its job before answering with the job as it stands.
    static let followLimit: Duration = .seconds(600)

    /// Follows job `id` until it finishes (or `followLimit` passes, the call is cancelled, its session closes, or a
    /// report cannot be delivered because the client has gone), reporting each change of progress, and answers with the
    /// job as it stands.
    func follow(
        _ id: UUID, caller: AuthenticatedUser, logger: Logger, isOpen: @Sendable () async -> Bool, report: @Sendable (Int, Int?) async -> Bool
    ) async -> Outcome {
        let deadline = ContinuousClock.now + Self.followLimit
        var reported: (Int, Int?)?
        do {
            while true {
                let job = try await jobs.job(id, owner: caller.id, logger: logger)
                if reported.map({ $0.0 != job.progressDone || $0.1 != job.progressTotal }) ?? true {
                    guard await report(job.progressDone, job.progressTotal) else { return try Self.followed(job) }
                    reported = (job.progressDone, job.progressTotal)
                }
                let sessionOpen = await isOpen()
                if job.state.isFinished || ContinuousClock.now > deadline || !sessionOpen { return try Self.followed(job) }
                try await Task.sleep(for: .milliseconds(200))
            }
        } catch let error as AppError {
            return Self.failure(error, status: "tool_error")
        } catch {
            let job = try? await jobs.job(id, owner: caller.id, logger: logger)
            return (try? job.map(Self.followed))
                ?? Self.failure(AppError(.serviceUnavailable, "The job could not be followed."), status: "tool_error")
        }
    }

    static func followed(_ job: JobRecord) throws -> Outcome {
        let view = JobView(job)
        let result = view.result.map { "; result \($0)" } ?? ""
        let error = view.error.map { "; error: \($0)" } ?? ""
        return try success(view, text: "Job \(view.id) (\(view.kind)) is \(view.state)\(result)\(error).", jobID: job.id)
    }
}
