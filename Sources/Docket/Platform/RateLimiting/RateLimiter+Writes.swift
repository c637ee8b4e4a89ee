import Foundation

extension RateLimiter {
    /// The bucket every task write of an account draws from (`DOCKET_RATE_LIMIT_WRITES`), whether it comes over REST or
    /// as an MCP tool call: one budget per account.
    static func writeBucket(userID: UUID, settings: AuthSettings) -> Bucket {
        Bucket(key: "writes:user:\(userID.uuidString.lowercased())", name: "writes-user", policy: settings.writeLimit)
    }
}
