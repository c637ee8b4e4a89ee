import Logging

/// Where token buckets are kept: one token is taken from a bucket if it has one.
protocol RateLimitStore: Sendable {
    /// Refills `bucket` by the time elapsed since it was last used (up to its capacity), takes a token if there is one,
    /// and returns whether one was taken and how many are left.
    func take(from bucket: RateLimiter.Bucket, now: Double, logger: Logger) async throws -> (allowed: Bool, tokens: Double)
}
