/// The wait before the next connection attempt after `failures` failed ones: doubling from `base` up to `cap`, with
/// jitter so that many clients do not reconnect in step.
public struct ReconnectBackoff: Sendable, Equatable {
    public var base: Duration
    public var cap: Duration

    public init(base: Duration = .milliseconds(100), cap: Duration = .seconds(5)) {
        self.base = base
        self.cap = cap
    }

    /// A delay between half and all of `min(cap, base · 2^(failures-1))`.
    public func delay(after failures: Int) -> Duration {
        guard failures > 0 else { return .zero }
        let ceiling = min(cap, base * (1 << min(failures - 1, 20)))
        return ceiling * Double.random(in: 0.5...1.0)
    }
}
