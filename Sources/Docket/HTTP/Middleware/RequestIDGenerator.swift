import Foundation
import Synchronization

/// Unique request IDs: a random per-instance prefix (so nodes differ) and a counter; cheaper than a UUID per request.
final class RequestIDGenerator: Sendable {
    private let prefix = String(UInt64.random(in: 0...UInt64.max), radix: 16)
    private let counter = Atomic<UInt64>(0)

    /// The next ID, e.g. `9f86d081884c7d65-2a`.
    func next() -> String {
        "\(prefix)-\(String(counter.add(1, ordering: .relaxed).newValue, radix: 16))"
    }
}
