import Testing

@testable import Docket

/// The missed-event sweep's memory: when an unprocessed event becomes due, and what it forgets.
@Suite("Missed-event tracker")
struct MissedEventTrackerTests {
    @Test("an event is due once it has been seen unprocessed for the whole wait, counted from the first sighting")
    func dueAfterWait() {
        var tracker = MissedEventTracker(missedAfter: .seconds(30))
        let start = ContinuousClock.now
        #expect(tracker.observe("a", at: start) == .wait)
        #expect(tracker.observe("a", at: start + .seconds(29)) == .wait)
        #expect(tracker.observe("b", at: start + .seconds(29)) == .wait, "another event has its own clock")
        #expect(tracker.observe("a", at: start + .seconds(30)) == .due)
        #expect(tracker.observe("b", at: start + .seconds(31)) == .wait)
    }

    @Test("failures are counted per event; forgetting an event resets its clock and its failures")
    func failuresAndForgetting() {
        var tracker = MissedEventTracker(missedAfter: .seconds(1))
        let start = ContinuousClock.now
        _ = tracker.observe("a", at: start)
        #expect(tracker.failed("a") == 1)
        #expect(tracker.failed("a") == 2)
        tracker.forget("a")
        #expect(tracker.watching == 0)
        #expect(tracker.observe("a", at: start + .seconds(5)) == .wait)
        #expect(tracker.failed("a") == 1)
    }

    @Test("events not seen for a while are dropped, recently seen ones kept")
    func pruning() {
        var tracker = MissedEventTracker(missedAfter: .seconds(1))
        let start = ContinuousClock.now
        _ = tracker.observe("old", at: start)
        _ = tracker.observe("fresh", at: start + .seconds(100))
        tracker.prune(notSeenFor: .seconds(60), at: start + .seconds(101))
        #expect(tracker.watching == 1)
        #expect(tracker.observe("fresh", at: start + .seconds(101)) == .due)
    }
}
