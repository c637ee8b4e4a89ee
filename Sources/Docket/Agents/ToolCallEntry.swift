import Foundation

/// One stored MCP tool call, as the activity log lists it.
struct ToolCallEntry: Codable, Sendable {
    let id: UUID
    let userID: UUID
    let tokenID: UUID?
    let clientName: String?
    let clientVersion: String?
    let sessionID: String?
    let tool: String
    let arguments: String
    let outcome: String
    let errorType: String?
    let durationMs: Double
    let requestID: String?
    let jobID: UUID?
    let createdAt: Int64

    enum CodingKeys: String, CodingKey {
        case id, tool, arguments, outcome
        case userID = "user_id"
        case tokenID = "token_id"
        case clientName = "client_name"
        case clientVersion = "client_version"
        case sessionID = "session_id"
        case errorType = "error_type"
        case durationMs = "duration_ms"
        case requestID = "request_id"
        case jobID = "job_id"
        case createdAt = "created_at"
    }
}
