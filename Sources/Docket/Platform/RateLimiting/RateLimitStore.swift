import Logging

/// Where token buckets are kept: a request takes one token from each of its buckets, or none when one is empty.
protocol RateLimitStore: Sendable {
    /// Refills each of `buckets` by the time elapsed since it was last used (up to its capacity) and, when every one
    /// has a token, takes one from each; returns, in the order given, whether each had a token and how many it has left.
    func take(from buckets: [RateLimiter.Bucket], now: Double, logger: Logger) async throws -> [RateLimitStoreAnswer]
}

/// One bucket's state after a charge: whether it had a token to give, and how many it holds now.
struct RateLimitStoreAnswer: Sendable, Equatable {
    let allowed: Bool
    let tokens: Double
}
