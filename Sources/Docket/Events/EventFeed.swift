import Foundation
import Logging
import ServiceLifecycle

/// A user's live feed: replays stored events after a position, then follows new ones as they commit, with heartbeats
/// while idle. It reads the table (the source of truth) every time it is woken, so a missed wake-up delays an event
/// but never loses it; the numbering makes a resume exact (no gap, no duplicate).
struct EventFeed: Sendable {
    /// What a feed hands its transport: an event, or a sign of life.
    enum Item: Sendable {
        /// The first item of every stream (so the client sees the stream is open at once).
        case opened
        case event(StoredEvent)
        case heartbeat
    }

    /// Raised to end a stream whose client reads too slowly (its buffer filled up); it resumes with its last id.
    struct SlowConsumer: Error {}

    let store: EventStore
    let hub: EventHub
    let settings: EventSettings

    /// Checks the caller may open a feed (410 for a resume point that cannot be honoured, 429 at the cap) and opens it.
    /// Without `after` the feed starts with the next event to commit.
    func open(owner: UUID, after: Int64?, types: Set<String>?, logger: Logger) async throws -> AsyncThrowingStream<Item, any Error> {
        let start: Int64
        if let after {
            start = after
            _ = try await store.checkResumable(after: after, of: owner, logger: logger)
        } else {
            start = try await store.head(of: owner, logger: logger)
        }
        let subscription = try hub.subscribe(owner)
        let (stream, continuation) = AsyncThrowingStream<Item, any Error>.makeStream(bufferingPolicy: .bufferingOldest(settings.bufferSize))
        let (store, hub, heartbeat) = (self.store, self.hub, self.settings.heartbeat)
        let producer = Task {
            defer { hub.unsubscribe(subscription) }
            do {
                try await cancelWhenGracefulShutdown {
                    try await Self.follow(
                        subscription, from: start, types: types, store: store, heartbeat: heartbeat, into: continuation, logger: logger)
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
        return stream
    }

    private static func follow(
        _ subscription: EventHub.Subscription, from start: Int64, types: Set<String>?, store: EventStore, heartbeat: Duration,
        into continuation: AsyncThrowingStream<Item, any Error>.Continuation, logger: Logger
    ) async throws {
        var last = start
        var lastSent = ContinuousClock.now
        _ = continuation.yield(.opened)
        func send(_ item: Item) throws {
            switch continuation.yield(item) {
            case .enqueued: lastSent = ContinuousClock.now
            case .dropped: throw SlowConsumer()
            case .terminated: throw CancellationError()
            @unknown default: throw CancellationError()
            }
        }
        while !Task.isCancelled {
            let batch = try await store.events(of: subscription.owner, after: last, limit: 200, logger: logger)
            for event in batch {
                last = event.seq
                if types?.contains(event.type) ?? true { try send(.event(event)) }
            }
            if batch.count == 200 { continue }
            if ContinuousClock.now - lastSent >= heartbeat { try send(.heartbeat) }
            await subscription.signal.wait(upTo: min(heartbeat, .seconds(5)))
        }
    }
}
