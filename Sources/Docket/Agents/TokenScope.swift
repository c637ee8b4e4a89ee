/// What a personal access token may do. A session (a signed-in user's access token) may do all of it and more.
enum TokenScope: String, Sendable, CaseIterable, Comparable {
    case tasksRead = "tasks:read"
    case tasksWrite = "tasks:write"
    case profileRead = "profile:read"
    case agentActivityRead = "agent:activity:read"

    static func < (left: TokenScope, right: TokenScope) -> Bool { left.rawValue < right.rawValue }

    /// Scopes as stored: space-separated, sorted (the OAuth `scope` form).
    static func encode(_ scopes: Set<TokenScope>) -> String { scopes.sorted().map(\.rawValue).joined(separator: " ") }

    /// Scopes from their stored form; unknown names (from a newer release) are ignored.
    static func decode(_ text: String) -> Set<TokenScope> { Set(text.split(separator: " ").compactMap { TokenScope(rawValue: String($0)) }) }
}
