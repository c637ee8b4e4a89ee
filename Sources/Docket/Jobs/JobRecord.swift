import Foundation

/// One row of the job queue. Times are microseconds since 1970, like task times.
struct JobRecord: Sendable, Codable, Equatable {
    var id: UUID
    var kind: String
    var userID: UUID?
    /// The handler's input, as JSON.
    var payload: String
    var state: JobState
    var attempts: Int
    var maxAttempts: Int
    var runAt: Int64
    var leaseOwner: String?
    var leaseExpiresAt: Int64?
    var cancelRequested: Bool
    var progressDone: Int
    var progressTotal: Int?
    /// Where the handler resumes after a crash or a release (its own format).
    var checkpoint: String?
    /// The handler's outcome, as JSON.
    var result: String?
    var error: String?
    var createdAt: Int64
    var updatedAt: Int64
    var startedAt: Int64?
    var finishedAt: Int64?

    enum CodingKeys: String, CodingKey {
        case id, kind, payload, state, attempts, checkpoint, result, error
        case userID = "user_id"
        case maxAttempts = "max_attempts"
        case runAt = "run_at"
        case leaseOwner = "lease_owner"
        case leaseExpiresAt = "lease_expires_at"
        case cancelRequested = "cancel_requested"
        case progressDone = "progress_done"
        case progressTotal = "progress_total"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }

    /// A new job, ready to run now.
    static func new(kind: String, payload: String, owner: UUID?, maxAttempts: Int, now: Int64) -> JobRecord {
        JobRecord(
            id: UUID(), kind: kind, userID: owner, payload: payload, state: .queued, attempts: 0, maxAttempts: maxAttempts, runAt: now,
            leaseOwner: nil, leaseExpiresAt: nil, cancelRequested: false, progressDone: 0, progressTotal: nil, checkpoint: nil, result: nil,
            error: nil, createdAt: now, updatedAt: now, startedAt: nil, finishedAt: nil)
    }
}
