/// When a failed attempt runs again: exponential backoff from `base`, capped, with "equal jitter" (half fixed, half
/// random) so that jobs failing together do not retry together.
struct RetrySchedule: Sendable {
    /// The delay after the first failure, in seconds.
    var base: Double = 2
    /// The longest delay, in seconds.
    var cap: Double = 300

    /// Seconds to wait after failed attempt number `attempt` (1-based); `random` is in 0..<1.
    func delay(afterAttempt attempt: Int, random: Double) -> Double {
        let exponential = min(cap, base * Double(1 << min(max(attempt - 1, 0), 30)))
        return exponential / 2 + exponential / 2 * random
    }
}
