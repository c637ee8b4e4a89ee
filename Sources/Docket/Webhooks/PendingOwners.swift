import Foundation
import Synchronization

/// A set of user ids shared between threads (owners whose transaction enqueued webhook deliveries).
final class PendingOwners: Sendable {
    private let owners = Mutex(Set<UUID>())

    func insert(_ owner: UUID) {
        owners.withLock { _ = $0.insert(owner) }
    }

    /// Whether `owner` was pending; clears it.
    func take(_ owner: UUID) -> Bool {
        owners.withLock { $0.remove(owner) != nil }
    }
}
