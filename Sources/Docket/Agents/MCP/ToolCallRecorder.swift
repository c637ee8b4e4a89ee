import Foundation
import Logging
import SQLKit

/// Records every tool call (who, which client and token, what, how it ended, how long it took) and counts it in the
/// metrics; a failure to record is logged and never fails the call.
struct ToolCallRecorder: Sendable {
    let database: DocketDatabase
    let metrics: DocketMetrics

    func record(_ call: ToolCall, logger: Logger) async {
        metrics.toolCall(tool: call.tool, outcome: call.outcome.status, duration: call.duration)
        let tokenID: UUID? =
            switch call.credential {
            case .session: nil
            case .personalAccessToken(let id, _): id
            }
        let milliseconds = Double(call.duration.components.seconds) * 1000 + Double(call.duration.components.attoseconds) / 1e15
        do {
            try await database.sql(logger: logger).insert(into: "tool_calls")
                .columns(
                    "id", "user_id", "token_id", "client_name", "client_version", "session_id", "tool", "arguments", "outcome", "error_type",
                    "duration_ms", "request_id", "job_id", "created_at"
                )
                .values(
                    SQLBind(UUID()), SQLBind(call.userID), SQLBind(tokenID), SQLBind(Self.storable(call.clientName, 200)),
                    SQLBind(Self.storable(call.clientVersion, 100)), SQLBind(Self.storable(call.sessionID, 100)),
                    SQLBind(Self.storable(call.tool, 100)), SQLBind(Self.storable(call.argumentSummary, 1000)), SQLBind(call.outcome.status),
                    SQLBind(call.outcome.errorType), SQLBind(milliseconds), SQLBind(Self.storable(call.requestID, 128)),
                    SQLBind(call.outcome.jobID), SQLBind(Microseconds.now())
                )
                .run()
        } catch {
            logger.error("tool call not recorded", metadata: ["error": .string(DatabaseFailure.describe(error))])
        }
    }

    /// Client-supplied text as it can be stored everywhere: no NUL characters (PostgreSQL refuses them), bounded length.
    static func storable(_ text: String?, _ limit: Int) -> String? {
        text.map { String($0.unicodeScalars.filter { $0.value != 0 }.map(Character.init).prefix(limit)) }
    }

    static func storable(_ text: String, _ limit: Int) -> String { storable(Optional(text), limit)! }
}
