import Foundation

extension RateLimiter {
    /// The buckets a personal access token's request draws from: the token's own, and its owner's across all their tokens.
    static func tokenBuckets(tokenID: UUID, userID: UUID, settings: AuthSettings) -> [Bucket] {
        [
            Bucket(key: "token:\(tokenID.uuidString.lowercased())", name: "token", policy: settings.tokenLimit),
            Bucket(key: "token-user:\(userID.uuidString.lowercased())", name: "token-user", policy: settings.tokenUserLimit),
        ]
    }
}
