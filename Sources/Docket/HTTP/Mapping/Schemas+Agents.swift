import DocketAPI
import Foundation

extension Components.Schemas.ToolCall {
    /// The wire view of one tool call; its arguments only for `viewer`'s own calls (an admin reading every account's
    /// activity sees what was called, not with what).
    init(_ entry: ToolCallEntry, showingArgumentsOf viewer: UUID) {
        self.init(
            id: entry.id.uuidString.lowercased(), userId: entry.userID.uuidString.lowercased(), tokenId: entry.tokenID?.uuidString.lowercased(),
            clientName: entry.clientName, clientVersion: entry.clientVersion, sessionId: entry.sessionID, tool: entry.tool,
            arguments: entry.userID == viewer ? entry.arguments : "",
            outcome: Components.Schemas.ToolCallOutcome(rawValue: entry.outcome) ?? .toolError,
            errorType: entry.errorType, durationMs: entry.durationMs, requestId: entry.requestID, jobId: entry.jobID?.uuidString.lowercased(),
            createdAt: Microseconds.date(entry.createdAt))
    }
}
