import Foundation

/// A job as agents see it: enough to follow it with `get_job`.
struct JobView: Codable, Sendable {
    let id: String
    let kind: String
    let state: String
    let attempts: Int
    let progressDone: Int
    let progressTotal: Int?
    let result: String?
    let error: String?

    enum CodingKeys: String, CodingKey {
        case id, kind, state, attempts, result, error
        case progressDone = "progress_done"
        case progressTotal = "progress_total"
    }

    init(_ job: JobRecord) {
        self.id = job.id.uuidString.lowercased()
        self.kind = job.kind
        self.state = job.state.rawValue
        self.attempts = job.attempts
        self.progressDone = job.progressDone
        self.progressTotal = job.progressTotal
        self.result = job.result
        self.error = job.error
    }
}
