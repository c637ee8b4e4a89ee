import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// A user's live feed: replays stored events after a position, then follows new ones as they commit, with heartbeats
/// while idle. It reads the table (the source of truth) every time it is woken, so a missed wake-up delays an event
/// but never loses it; the numbering makes a resume exact (no gap, no duplicate).
struct EventFeed: Sendable {
    /// What a feed hands its transport: an event, or a sign of life.
    enum Item: Sendable {
        /// The first item of every stream, with the position it starts after (so the client sees the stream is open at
        /// once, and a client that reconnects before any event arrives resumes from there).
        case opened(after: Int64)
        case event(StoredEvent)
        case heartbeat
        /// The last item of a stream whose credential ended (signed out, revoked, expired, deactivated).
        case credentialEnded
    }

    /// Raised to end a stream whose client reads too slowly (its buffer stayed full); it resumes with its last id.
    struct SlowConsumer: Error {}

    /// A feed as its transport reads it: each item read frees a place in the stream's buffer.
    struct Stream: AsyncSequence, Sendable {
        typealias Element = Item
        fileprivate let base: AsyncThrowingStream<Item, any Error>
        fileprivate let flow: Flow
        fileprivate let launch: Launch

        /// Starts the feed: a stream whose body is never read (the client left before the response) never runs, and
        /// gives its place back when it is dropped.
        func makeAsyncIterator() -> Iterator {
            launch.start()
            return Iterator(base: base.makeAsyncIterator(), flow: flow)
        }

        /// Reads the next item and tells the producer there is room again.
        struct Iterator: AsyncIteratorProtocol {
            fileprivate var base: AsyncThrowingStream<Item, any Error>.Iterator
            fileprivate let flow: Flow

            mutating func next() async throws -> Item? {
                let item = try await base.next()
                if item != nil { flow.taken() }
                return item
            }
        }
    }

    /// Starts a feed's producer once; if that never happens, undoes the subscription when the stream is dropped.
    fileprivate final class Launch: Sendable {
        private let pending: Mutex<(@Sendable () -> Void)?>
        private let abandon: @Sendable () -> Void

        init(start: @escaping @Sendable () -> Void, abandon: @escaping @Sendable () -> Void) {
            self.pending = Mutex(start)
            self.abandon = abandon
        }

        func start() {
            let start = pending.withLock { pending in
                defer { pending = nil }
                return pending
            }
            start?()
        }

        deinit {
            if pending.withLock({ $0 }) != nil { abandon() }
        }
    }

    /// How many items wait in a stream's buffer, and a signal when the transport took one.
    fileprivate final class Flow: Sendable {
        private let waiting = Atomic<Int>(0)
        let drained = WakeSignal()

        var count: Int { waiting.load(ordering: .relaxed) }
        func put() { waiting.add(1, ordering: .relaxed) }
        func taken() {
            waiting.subtract(1, ordering: .relaxed)
            drained.notify()
        }
    }

    let store: EventStore
    let hub: EventHub
    let outbox: EventOutbox
    let settings: EventSettings

    /// Checks the caller may open a feed (410 for a resume point that cannot be honoured, 429 at the cap) and opens it.
    /// Without `after` the feed starts with the next event to commit. The feed ends with `.credentialEnded` once
    /// `watch` says the credential that opened it no longer holds.
    func open(owner: UUID, after: Int64?, types: Set<String>?, watch: CredentialWatch, logger: Logger) async throws -> Stream {
        let start: Int64
        if let after {
            start = after
            _ = try await store.checkResumable(after: after, of: owner, logger: logger)
        } else {
            start = try await store.head(of: owner, logger: logger)
        }
        let subscription = try hub.subscribe(owner)
        let (stream, continuation) = AsyncThrowingStream<Item, any Error>.makeStream()
        let flow = Flow()
        let (store, hub, settings) = (self.store, self.hub, self.settings)
        let launch = Launch(
            start: {
                let producer = Task {
                    defer { hub.unsubscribe(subscription) }
                    do {
                        try await cancelWhenGracefulShutdown {
                            try await Self.follow(
                                subscription, from: start, types: types, store: store, hub: hub, settings: settings, watch: watch,
                                into: continuation, flow: flow, logger: logger)
                        }
                        continuation.finish()
                    } catch {
                        continuation.finish(throwing: error)
                    }
                }
                continuation.onTermination = { _ in
                    producer.cancel()
                    hub.unsubscribe(subscription)
                    subscription.signal.notify()
                }
            },
            abandon: {
                hub.unsubscribe(subscription)
                continuation.finish()
            })
        return Stream(base: stream, flow: flow, launch: launch)
    }

    /// Replays and follows; an item waits while the buffer is full, and a buffer that stays full for the stall
    /// timeout ends the stream (so a stream catching up at its client's pace is never cut, a stalled one is).
    private static func follow(
        _ subscription: EventHub.Subscription, from start: Int64, types: Set<String>?, store: EventStore, hub: EventHub,
        settings: EventSettings, watch: CredentialWatch,
        into continuation: AsyncThrowingStream<Item, any Error>.Continuation, flow: Flow, logger: Logger
    ) async throws {
        let heartbeat = settings.heartbeat
        var last = start
        var lastSent = ContinuousClock.now
        func send(_ item: Item) async throws {
            let deadline = ContinuousClock.now + settings.stallTimeout
            while flow.count >= settings.bufferSize {
                try Task.checkCancellation()
                guard ContinuousClock.now < deadline else { throw SlowConsumer() }
                await flow.drained.wait(upTo: .milliseconds(100))
            }
            flow.put()
            guard case .enqueued = continuation.yield(item) else { throw CancellationError() }
            lastSent = ContinuousClock.now
        }
        try await send(.opened(after: start))
        var nextCheck = ContinuousClock.now + watch.interval
        while !Task.isCancelled {
            // Closed by the hub (the account was signed out everywhere, deactivated, or a token was revoked), or the
            // credential that opened the feed no longer holds (this session signed out, the token expired, ...).
            guard hub.isOpen(subscription) else { return try await send(.credentialEnded) }
            if ContinuousClock.now >= nextCheck {
                guard await watch.holds() else { return try await send(.credentialEnded) }
                nextCheck = ContinuousClock.now + watch.interval
            }
            let batch = try await store.events(of: subscription.owner, after: last, limit: 200, logger: logger)
            for event in batch {
                last = event.seq
                if types?.contains(event.type) ?? true { try await send(.event(event)) }
            }
            if batch.count == 200 { continue }
            if ContinuousClock.now - lastSent >= heartbeat { try await send(.heartbeat) }
            let untilCheck = max(.milliseconds(10), nextCheck - ContinuousClock.now)
            await subscription.signal.wait(upTo: min(heartbeat, .seconds(5), untilCheck))
        }
    }
}
