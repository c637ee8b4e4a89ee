import Synchronization

/// Counts the event sockets still waiting for their first (authenticating) message, per client address and in all,
/// so sockets that never authenticate cannot pile up: past either cap a new one is closed at once (4429).
final class UnauthenticatedSockets: Sendable {
    /// Waiting sockets one address may hold.
    let perAddress: Int
    /// Waiting sockets this node holds.
    let total: Int
    private let waiting = Mutex<(all: Int, byAddress: [String: Int])>((0, [:]))

    init(perAddress: Int = 16, total: Int = 512) {
        self.perAddress = perAddress
        self.total = total
    }

    /// Takes a place for a socket from `address`, or returns false when the address or the node has none left.
    func admit(_ address: String) -> Bool {
        waiting.withLock { state in
            guard state.all < total, state.byAddress[address, default: 0] < perAddress else { return false }
            state.all += 1
            state.byAddress[address, default: 0] += 1
            return true
        }
    }

    /// Gives back the place of a socket from `address` (it authenticated, or closed).
    func release(_ address: String) {
        waiting.withLock { state in
            state.all -= 1
            let left = state.byAddress[address, default: 1] - 1
            state.byAddress[address] = left > 0 ? left : nil
        }
    }
}
