/// Where a job stands. `failed` is the dead-letter state: the last attempt failed; a retry puts it back in the queue.
enum JobState: String, Sendable, Codable, CaseIterable {
    case queued, running, succeeded, failed, cancelled

    /// Whether the job has finished (it will not run again unless retried).
    var isFinished: Bool { self == .succeeded || self == .failed || self == .cancelled }
}
