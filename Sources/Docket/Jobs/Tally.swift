import Synchronization

/// A count that a job step's `@Sendable` work can add to and its checkpoint can read.
final class Tally: Sendable {
    private let count = Mutex(0)

    init() {}

    /// Adds one.
    func increment() { count.withLock { $0 += 1 } }

    /// The count so far.
    var value: Int { count.withLock { $0 } }
}
