/// Remembers, for the missed-event sweep, each published event seen not yet processed: since when, where the broker's
/// stream ended then, and how often applying it from the outbox failed. An event is lost by the broker (and due to be
/// applied from the outbox) once it has been missing for `missedAfter` **and** the consumer's group has since been
/// handed every entry up to that end: a slow consumer still has it coming, a lost one never will.
struct MissedEventTracker: Sendable {
    /// What to do with an event found unprocessed.
    enum Verdict: Equatable {
        /// The broker may still deliver it.
        case wait
        /// The broker had its chance: apply it from the outbox.
        case due
    }

    private struct Watch {
        let since: ContinuousClock.Instant
        /// The stream's newest entry when the event was first seen missing (it was published before that).
        let mark: BrokerPosition
        var lastSeen: ContinuousClock.Instant
        var failures = 0
    }

    let missedAfter: Duration
    private var watches: [String: Watch] = [:]

    init(missedAfter: Duration) {
        self.missedAfter = missedAfter
    }

    /// How many events are being watched.
    var watching: Int { watches.count }

    /// Notes that event `id` was found unprocessed at `now`, when the stream's newest entry was `newest` and the
    /// consumer's group had been handed entries up to `delivered` (nil: the group is gone).
    mutating func observe(_ id: String, at now: ContinuousClock.Instant, newest: BrokerPosition, delivered: BrokerPosition?) -> Verdict {
        var watch = watches[id] ?? Watch(since: now, mark: newest, lastSeen: now)
        watch.lastSeen = now
        watches[id] = watch
        guard let delivered, delivered >= watch.mark else { return .wait }
        return watch.since.duration(to: now) >= missedAfter ? .due : .wait
    }

    /// Records a failed attempt at applying `id`; returns how many there have been.
    mutating func failed(_ id: String) -> Int {
        watches[id]?.failures += 1
        return watches[id]?.failures ?? 0
    }

    /// Stops watching `id` (it is processed or dead-lettered).
    mutating func forget(_ id: String) {
        watches[id] = nil
    }

    /// Stops watching events not seen since `instant` (the start of a sweep over every user): they were processed
    /// meanwhile.
    mutating func prune(notSeenSince instant: ContinuousClock.Instant) {
        watches = watches.filter { $0.value.lastSeen >= instant }
    }
}
