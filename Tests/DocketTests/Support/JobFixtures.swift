import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// The client's picture of a job.
struct JobBody: Decodable {
    let id: String
    let kind: String
    let state: String
    let attempts: Int
    let maxAttempts: Int
    let progress: Progress
    let result: [String: Int]?
    let error: String?

    /// How far a job is.
    struct Progress: Decodable {
        let done: Int
        let total: Int?
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, state, attempts, progress, result, error
        case maxAttempts = "max_attempts"
    }
}

/// The list of a user's jobs.
struct JobListBody: Decodable {
    let items: [JobBody]
}

extension TestClientProtocol {
    /// Posts a job-starting request and returns the queued job (asserting 202 and its `Location`).
    func startJob(_ path: String, body: String, headers: HTTPFields) async throws -> JobBody {
        let response = try await sendRaw(.post, path, body: body, headers: headers)
        try #require(response.status == .accepted, "\(path): \(response.status) \(response.text)")
        let job = try response.decode(JobBody.self)
        #expect(response.headers[.location] == "/api/v1/jobs/\(job.id)")
        return job
    }

    /// Polls a job until it has finished (or 60 seconds pass) and returns it.
    func finishedJob(_ id: String, headers: HTTPFields) async throws -> JobBody {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            let response = try await send(.get, "/api/v1/jobs/\(id)", headers: headers)
            // A 503 (with Retry-After) asks a client to come back: a loaded machine can keep a poll waiting too long.
            if response.status == .serviceUnavailable, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
                continue
            }
            try #require(response.status == .ok, "GET /api/v1/jobs/\(id): \(response.status) \(response.text)")
            let job = try response.decode(JobBody.self)
            if ["succeeded", "failed", "cancelled"].contains(job.state) || ContinuousClock.now > deadline { return job }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
