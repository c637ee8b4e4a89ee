/// A token bucket: `capacity` requests, refilled evenly over `periodSeconds`.
public struct RateLimitPolicy: Sendable, Equatable {
    public var capacity: Int
    public var periodSeconds: Int

    /// A bucket of `capacity` refilled over `periodSeconds`.
    public init(capacity: Int, periodSeconds: Int) {
        self.capacity = capacity
        self.periodSeconds = periodSeconds
    }

    /// Tokens regained per second.
    var refillPerSecond: Double { Double(capacity) / Double(periodSeconds) }

    /// Parses `capacity/seconds`, e.g. `20/60`.
    init?(text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let capacity = Int(parts[0]), let period = Int(parts[1]), capacity >= 1, period >= 1 else { return nil }
        self.init(capacity: capacity, periodSeconds: period)
    }
}
