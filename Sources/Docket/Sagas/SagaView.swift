import Foundation

/// A saga as its owner and operators see it: its own row and the state of the job that runs it.
struct SagaView: Sendable, Decodable, Equatable {
    let id: UUID
    let kind: String
    let userID: UUID
    let storedState: SagaState
    let step: Int
    let resumeAt: Int64?
    let createdAt: Int64
    let updatedAt: Int64
    let finishedAt: Int64?
    let jobID: UUID
    /// Nil once the job was purged (a week after it finished).
    let jobState: JobState?
    let attempts: Int?
    let error: String?

    /// The saga's state, `failed` when its job ran out of attempts before the saga finished.
    var state: SagaState { jobState == .failed && !storedState.isFinal ? .failed : storedState }

    /// The step it is at: the next one (running, waiting, failed), the next to undo (compensating), or the last one.
    var stepName: String {
        let names =
            switch kind {
            case AccountDeletionSaga.kind: AccountDeletionSaga.stepNames
            case DataExportSaga.kind: DataExportSaga.stepNames
            default: [String]()
            }
        guard !names.isEmpty else { return String(step) }
        switch storedState {
        case .compensating, .compensated: return "undo " + names[max(0, min(step, names.count) - 1)]
        case .completed: return names[names.count - 1]
        case .running, .waiting, .failed: return names[max(0, min(step, names.count - 1))]
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, step, attempts, error
        case userID = "user_id"
        case storedState = "state"
        case resumeAt = "resume_at"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case finishedAt = "finished_at"
        case jobID = "job_id"
        case jobState = "job_state"
    }
}
