import Foundation

extension APIHandler {
    /// Draws from each bucket for the current request; a trip is a 429 problem (and an audit row).
    func limit(_ buckets: [RateLimiter.Bucket]) async throws {
        try await rateLimiter.consume(buckets, origin: try request.origin, logger: requestLogger)
    }

    /// The bucket of `action` for the caller's address.
    func ipBucket(_ action: String) throws -> RateLimiter.Bucket {
        let ip = try request.context.remoteAddress ?? "unknown"
        return RateLimiter.Bucket(key: "\(action):ip:\(ip)", name: "\(action)-ip", policy: settings.ipLimit)
    }

    /// The bucket of `action` for one account, keyed by a hash of its address (no email in the table).
    func accountBucket(_ action: String, email: EmailAddress) -> RateLimiter.Bucket {
        RateLimiter.Bucket(key: "\(action):account:\(SecureToken.hash(email.value))", name: "\(action)-account", policy: settings.accountLimit)
    }
}
