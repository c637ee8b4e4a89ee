import Foundation
import MCP

/// One tool call as the activity log keeps it.
struct ToolCall: Sendable {
    let userID: UUID
    let credential: AuthenticatedUser.Credential
    let clientName: String?
    let clientVersion: String?
    let sessionID: String?
    let tool: String
    let arguments: [String: Value]?
    let outcome: TaskTools.Outcome
    let duration: Duration
    let requestID: String?

    /// The arguments in short: secret-looking values redacted, long text and lists cut, at most 1000 characters.
    var argumentSummary: String {
        let summary = Self.summarize(.object(arguments ?? [:]), key: nil)
        return summary.count > 1000 ? String(summary.prefix(999)) + "…" : summary
    }

    private static let secretWords = ["token", "secret", "password", "key", "authorization", "credential"]

    private static func summarize(_ value: Value, key: String?) -> String {
        if let key, secretWords.contains(where: { key.lowercased().contains($0) }) { return "\"[redacted]\"" }
        switch value {
        case .string(let text):
            let shown = text.count > 80 ? String(text.prefix(80)) + "…(\(text.count) chars)" : text
            let escaped = shown.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(escaped)\""
        case .array(let items) where items.count > 5:
            return "[\(items.count) items]"
        case .array(let items):
            return "[" + items.map { summarize($0, key: nil) }.joined(separator: ",") + "]"
        case .object(let fields):
            return "{" + fields.keys.sorted().map { "\"\($0)\":" + summarize(fields[$0]!, key: $0) }.joined(separator: ",") + "}"
        case .data: return "\"[data]\""
        default: return value.description
        }
    }
}
