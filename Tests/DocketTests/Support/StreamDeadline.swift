import HummingbirdTesting
import Synchronization

/// Waits for a streaming response that must end by itself.
enum StreamDeadline {
    /// The whole body of a stream, which must end within `limit`; a stream still open then is cancelled and left behind
    /// (never awaited, so a stream that does not end fails the test instead of hanging it).
    static func ended(_ stream: Task<TestResponse, any Error>, within limit: Duration) async throws -> TestResponse {
        let outcome = Mutex<Result<TestResponse, any Error>?>(nil)
        Task {
            let result = await stream.result
            outcome.withLock { $0 = result }
        }
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let result = outcome.withLock({ $0 }) { return try result.get() }
            try await Task.sleep(for: .milliseconds(50))
        }
        stream.cancel()
        throw StreamStillOpen()
    }

    /// The stream was still open at the deadline.
    struct StreamStillOpen: Error {}
}
