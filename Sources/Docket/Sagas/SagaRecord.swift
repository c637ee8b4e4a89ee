import Foundation

/// One saga's row: its kind, owner, state, the index of its next step (forward) or of the next step to undo
/// (compensating), and the facts its steps recorded for later steps and compensations (`data`, JSON).
struct SagaRecord: Sendable, Codable, Equatable {
    var id: UUID
    var kind: String
    var userID: UUID
    var state: SagaState
    var step: Int
    var data: String
    /// The job that runs the saga's steps.
    var jobID: UUID
    var error: String?
    /// When a waiting saga goes on (microseconds since 1970).
    var resumeAt: Int64?
    var createdAt: Int64
    var updatedAt: Int64
    var finishedAt: Int64?

    enum CodingKeys: String, CodingKey {
        case id, kind, state, step, data, error
        case userID = "user_id"
        case jobID = "job_id"
        case resumeAt = "resume_at"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case finishedAt = "finished_at"
    }
}
