import Synchronization

/// Wakes one waiter (a job worker, a feed subscriber) at once, or makes its next wait return at once; waits time out.
final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    init() {}

    /// Wakes the waiting worker, or makes its next wait return at once.
    func notify() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns when notified, after `duration`, or when the waiting task is cancelled.
    func wait(upTo duration: Duration) async {
        let timer = Task {
            try? await Task.sleep(for: duration)
            if !Task.isCancelled { self.notify() }
        }
        // A cancelled waiter (a feed whose server is shutting down, say) returns at once rather than at the timeout.
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            self.notify()
        }
        timer.cancel()
    }
}
