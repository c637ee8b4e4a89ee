/// Remembers, for the missed-event sweep, since when each published event has been seen not yet processed and how
/// often applying it from the outbox failed: an event is due once it has been missing for `missedAfter`, which gives
/// the broker's own delivery (and its retries) that long first.
struct MissedEventTracker: Sendable {
    /// What to do with an event found unprocessed.
    enum Verdict: Equatable {
        /// Give the broker more time.
        case wait
        /// Missing for `missedAfter` or longer: apply it from the outbox.
        case due
    }

    let missedAfter: Duration
    private var firstMissing: [String: ContinuousClock.Instant] = [:]
    private var lastSeen: [String: ContinuousClock.Instant] = [:]
    private var failures: [String: Int] = [:]

    init(missedAfter: Duration) {
        self.missedAfter = missedAfter
    }

    /// How many events are being watched.
    var watching: Int { firstMissing.count }

    /// Notes that event `id` was found unprocessed at `now`; it is due once it has been so for `missedAfter`.
    mutating func observe(_ id: String, at now: ContinuousClock.Instant) -> Verdict {
        let first = firstMissing[id] ?? now
        firstMissing[id] = first
        lastSeen[id] = now
        return first.duration(to: now) >= missedAfter ? .due : .wait
    }

    /// Records a failed attempt at applying `id`; returns how many there have been.
    mutating func failed(_ id: String) -> Int {
        failures[id, default: 0] += 1
        return failures[id] ?? 0
    }

    /// Stops watching `id` (it is processed or dead-lettered).
    mutating func forget(_ id: String) {
        firstMissing[id] = nil
        lastSeen[id] = nil
        failures[id] = nil
    }

    /// Stops watching events not seen for `age` (processed meanwhile, or their user left the sweep).
    mutating func prune(notSeenFor age: Duration, at now: ContinuousClock.Instant) {
        for (id, seen) in lastSeen where seen.duration(to: now) > age { forget(id) }
    }
}
