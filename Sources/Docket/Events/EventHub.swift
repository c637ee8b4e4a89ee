import Foundation
import HTTPTypes
import Synchronization

/// This node's live feed subscriptions: it caps them per user and per node, and wakes a user's subscribers when that
/// user's stream grew (after a local commit, a PostgreSQL notification or a sweep).
final class EventHub: Sendable {
    /// One open feed: whose it is and how to wake it.
    struct Subscription: Sendable {
        let id: UUID
        let owner: UUID
        let signal: WakeSignal
    }

    private struct State {
        var byUser: [UUID: [UUID: WakeSignal]] = [:]
        var total = 0
    }

    private let state = Mutex(State())
    private let perUser: Int
    private let perNode: Int
    /// Woken whenever any user's stream grew (the relay and the outbox consumers wait on them).
    private let observers: [WakeSignal]

    /// A hub allowing `perUser` open feeds per user and `perNode` in all, waking `observers` on every commit.
    init(perUser: Int, perNode: Int, observers: [WakeSignal] = []) {
        self.perUser = perUser
        self.perNode = perNode
        self.observers = observers
    }

    /// Opens a subscription for `owner`, or throws a 429 problem when the user or the node is at its cap.
    func subscribe(_ owner: UUID) throws -> Subscription {
        let subscription = Subscription(id: UUID(), owner: owner, signal: WakeSignal())
        let refusal: String? = state.withLock { state in
            if state.total >= perNode { return "This server holds its maximum of \(perNode) event streams; retry shortly or use another node." }
            if state.byUser[owner, default: [:]].count >= perUser {
                return "You have \(perUser) event streams open, the most allowed; close one first."
            }
            state.byUser[owner, default: [:]][subscription.id] = subscription.signal
            state.total += 1
            return nil
        }
        if let refusal { throw AppError(.rateLimited, refusal, headers: [.retryAfter: "5"]) }
        return subscription
    }

    /// Closes a subscription (idempotent).
    func unsubscribe(_ subscription: Subscription) {
        state.withLock { state in
            guard state.byUser[subscription.owner]?.removeValue(forKey: subscription.id) != nil else { return }
            state.total -= 1
            if state.byUser[subscription.owner]?.isEmpty == true { state.byUser[subscription.owner] = nil }
        }
    }

    /// Whether `subscription` is still open (not closed by `close(_:)` or unsubscribed).
    func isOpen(_ subscription: Subscription) -> Bool {
        state.withLock { $0.byUser[subscription.owner]?[subscription.id] != nil }
    }

    /// Ends every open feed of `owner` on this node (signed out everywhere, deactivated, a token revoked): each ends at
    /// its next wake-up, and the client must authenticate again to reconnect.
    func close(_ owner: UUID) {
        let signals = state.withLock { state -> [WakeSignal] in
            guard let feeds = state.byUser.removeValue(forKey: owner) else { return [] }
            state.total -= feeds.count
            return Array(feeds.values)
        }
        for signal in signals { signal.notify() }
    }

    /// Wakes every subscriber of `owner`.
    func wake(_ owner: UUID) {
        let signals = state.withLock { state in state.byUser[owner].map { Array($0.values) } ?? [] }
        for signal in signals + observers { signal.notify() }
    }

    /// Wakes every subscriber (after a reconnect of the notification listener, when notifications may have been missed).
    func wakeAll() {
        let signals = state.withLock { state in state.byUser.values.flatMap { $0.values } }
        for signal in signals + observers { signal.notify() }
    }

    /// The users with an open subscription on this node.
    var subscribedUsers: [UUID] { state.withLock { Array($0.byUser.keys) } }

    /// How many subscriptions are open on this node.
    var openCount: Int { state.withLock { $0.total } }
}
