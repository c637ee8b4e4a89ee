import Foundation

extension APIHandler {
    /// Draws from each bucket for the current request; a trip is a 429 problem (and an audit row).
    func limit(_ buckets: [RateLimiter.Bucket]) async throws {
        try await rateLimiter.consume(buckets, origin: try request.origin, logger: requestLogger)
    }

    /// The bucket of `action` for the caller's address (an IPv6 client by its /64, which one host usually owns whole).
    func ipBucket(_ action: String, policy: RateLimitPolicy? = nil) throws -> RateLimiter.Bucket {
        let ip = ClientNetwork.key(for: try request.context.remoteAddress)
        return RateLimiter.Bucket(key: "\(action):ip:\(ip)", name: "\(action)-ip", policy: policy ?? settings.ipLimit)
    }

    /// The bucket of `action` for one account, keyed by a hash of its address (no email in the table).
    func accountBucket(_ action: String, email: EmailAddress, policy: RateLimitPolicy? = nil) -> RateLimiter.Bucket {
        RateLimiter.Bucket(
            key: "\(action):account:\(SecureToken.hash(email.value))", name: "\(action)-account", policy: policy ?? settings.accountLimit)
    }

    /// The bucket of `action` for one signed-in account, by id.
    func userBucket(_ action: String, userID: UUID, policy: RateLimitPolicy) -> RateLimiter.Bucket {
        RateLimiter.Bucket(key: "\(action):user:\(userID.uuidString.lowercased())", name: "\(action)-user", policy: policy)
    }

    /// Charges one task write to the caller's write budget (`DOCKET_RATE_LIMIT_WRITES`).
    func chargeWrite(_ caller: AuthenticatedUser) async throws {
        try await limit([RateLimiter.writeBucket(userID: caller.id, settings: settings)])
    }
}
