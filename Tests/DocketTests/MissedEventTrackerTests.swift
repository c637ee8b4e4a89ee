import Testing

@testable import Docket

/// The missed-event sweep's memory: when an unprocessed event counts as lost by the broker, and what it forgets.
@Suite("Missed-event tracker")
struct MissedEventTrackerTests {
    private let end = BrokerPosition(milliseconds: 1_000, sequence: 3)
    private let past = BrokerPosition(milliseconds: 2_000, sequence: 0)

    @Test("an event is due once missing for the whole wait, counted from the first sighting, and the group got past it")
    func dueAfterWait() {
        var tracker = MissedEventTracker(missedAfter: .seconds(30))
        let start = ContinuousClock.now
        #expect(tracker.observe("a", at: start, newest: end, delivered: past) == .wait)
        #expect(tracker.observe("a", at: start + .seconds(29), newest: past, delivered: past) == .wait)
        #expect(tracker.observe("b", at: start + .seconds(29), newest: end, delivered: past) == .wait, "another event has its own clock")
        #expect(tracker.observe("a", at: start + .seconds(30), newest: past, delivered: past) == .due)
        #expect(tracker.observe("b", at: start + .seconds(31), newest: end, delivered: past) == .wait)
    }

    @Test("an event the group has not been handed up to yet is not due, however long it waits (a slow consumer)")
    func slowConsumer() {
        var tracker = MissedEventTracker(missedAfter: .seconds(1))
        let start = ContinuousClock.now
        let behind = BrokerPosition(milliseconds: 1_000, sequence: 2)
        _ = tracker.observe("a", at: start, newest: end, delivered: behind)
        #expect(tracker.observe("a", at: start + .seconds(600), newest: past, delivered: behind) == .wait)
        #expect(tracker.observe("a", at: start + .seconds(601), newest: past, delivered: nil) == .wait, "a group that is gone")
        #expect(tracker.observe("a", at: start + .seconds(602), newest: past, delivered: end) == .due, "the group reached the mark")
    }

    @Test("failures are counted per event; forgetting an event resets its clock and its failures")
    func failuresAndForgetting() {
        var tracker = MissedEventTracker(missedAfter: .seconds(1))
        let start = ContinuousClock.now
        _ = tracker.observe("a", at: start, newest: end, delivered: end)
        #expect(tracker.failed("a") == 1)
        #expect(tracker.failed("a") == 2)
        tracker.forget("a")
        #expect(tracker.watching == 0)
        #expect(tracker.observe("a", at: start + .seconds(5), newest: end, delivered: end) == .wait)
        #expect(tracker.failed("a") == 1)
    }

    @Test("a sweep over every user drops the events it did not see; the ones it saw keep their clocks")
    func pruning() {
        var tracker = MissedEventTracker(missedAfter: .seconds(1))
        let start = ContinuousClock.now
        _ = tracker.observe("old", at: start, newest: end, delivered: end)
        _ = tracker.observe("fresh", at: start + .seconds(100), newest: end, delivered: end)
        tracker.prune(notSeenSince: start + .seconds(50))
        #expect(tracker.watching == 1)
        #expect(tracker.observe("fresh", at: start + .seconds(101), newest: end, delivered: end) == .due)
    }

    @Test("broker positions order as Redis orders entry ids")
    func positions() {
        #expect(BrokerPosition("1700000000000-0")! < BrokerPosition("1700000000000-1")!)
        #expect(BrokerPosition("999-5")! < BrokerPosition("1000-0")!)
        #expect(BrokerPosition("0-0") == BrokerPosition.start)
        #expect(BrokerPosition("abc") == nil && BrokerPosition("1-2-3") == nil)
    }
}
