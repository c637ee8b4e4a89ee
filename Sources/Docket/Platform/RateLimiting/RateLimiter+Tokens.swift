import Foundation

extension RateLimiter {
    /// The buckets a personal access token's request draws from: the token's own, and its owner's across all their tokens.
    static func tokenBuckets(tokenID: UUID, userID: UUID, settings: AuthSettings) -> [Bucket] {
        [
            Bucket(key: "token:\(tokenID.uuidString.lowercased())", name: "token", policy: settings.tokenLimit),
            Bucket(key: "token-user:\(userID.uuidString.lowercased())", name: "token-user", policy: settings.tokenUserLimit),
        ]
    }

    /// The buckets an agent's request draws from, whatever its credential: a personal access token's (above), or for
    /// a session's access token the same limits keyed by its sign-in session, so a signed-in agent is held like one
    /// with a token.
    static func agentBuckets(for caller: AuthenticatedUser, settings: AuthSettings) -> [Bucket] {
        switch caller.credential {
        case .personalAccessToken(let tokenID, _):
            return tokenBuckets(tokenID: tokenID, userID: caller.id, settings: settings)
        case .session(let sessionID):
            return [
                Bucket(key: "session-agent:\(sessionID.uuidString.lowercased())", name: "session", policy: settings.tokenLimit),
                Bucket(key: "token-user:\(caller.id.uuidString.lowercased())", name: "token-user", policy: settings.tokenUserLimit),
            ]
        }
    }
}
