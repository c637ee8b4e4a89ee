import Synchronization

/// Holds the job worker back until the schema is migrated (opened in the server's before-start hook, or on shutdown).
final class StartGate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    init() {}

    /// Lets every waiter through, now and later.
    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the gate is open.
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let passNow = state.withLock { state in
                if !state.open { state.waiters.append(continuation) }
                return state.open
            }
            if passNow { continuation.resume() }
        }
    }
}
