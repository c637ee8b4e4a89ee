import FluentKit
import Logging
import SQLKit
import Synchronization

/// The one writer of SQLite write transactions in this process, committing them in groups: transactions that arrive
/// while a group is being written wait, and the next group runs them one after another inside one
/// `BEGIN IMMEDIATE … COMMIT`, each in a savepoint of its own, so all of them share one fsync of the WAL
/// (`synchronous = FULL` stays). A transaction that throws is rolled back to its savepoint and fails alone; every
/// caller is answered only after its group's COMMIT returned, and if that COMMIT fails, none of the group is.
final class SQLiteGroupCommit: Sendable {
    private typealias Work = @Sendable (any SQLDatabase) async throws -> any Sendable

    private struct Job: Sendable {
        let work: Work
        let continuation: CheckedContinuation<any Sendable, any Error>
    }

    private struct State {
        var queue: [Job] = []
        var writing = false
    }

    private let state = Mutex(State())
    private let connection: @Sendable (@escaping @Sendable (any SQLDatabase) async throws -> Void) async throws -> Void
    /// The most transactions one group holds (a bound on how long one COMMIT keeps the others waiting).
    static let maxGroup = 64

    /// A writer taking a connection for each group through `connection` (a pooled connection held for the group).
    init(connection: @escaping @Sendable (@escaping @Sendable (any SQLDatabase) async throws -> Void) async throws -> Void) {
        self.connection = connection
    }

    /// Runs `body` in the next group and returns its result once the group is committed.
    func run<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let value = try await withCheckedThrowingContinuation { continuation in
            let startWriting = state.withLock { state in
                state.queue.append(Job(work: { try await body($0) }, continuation: continuation))
                defer { state.writing = true }
                return !state.writing
            }
            if startWriting { Task { await self.writeGroups() } }
        }
        return value as! T
    }

    /// Writes groups until nothing waits.
    private func writeGroups() async {
        while true {
            let group = state.withLock { state in
                let group = Array(state.queue.prefix(Self.maxGroup))
                state.queue.removeFirst(group.count)
                if group.isEmpty { state.writing = false }
                return group
            }
            guard !group.isEmpty else { return }
            await write(group)
        }
    }

    private func write(_ group: [Job]) async {
        let outcomes = Mutex<[Result<any Sendable, any Error>]>([])
        do {
            try await connection { sql in
                try await sql.raw("BEGIN IMMEDIATE").run()
                do {
                    for job in group {
                        try await sql.raw("SAVEPOINT docket_write").run()
                        do {
                            let value = try await job.work(sql)
                            try await sql.raw("RELEASE docket_write").run()
                            outcomes.withLock { $0.append(.success(value)) }
                        } catch {
                            // Only this transaction's writes are undone. When that fails, the failure took the whole
                            // transaction with it (SQLite rolls back on a full disk or an I/O error): the group
                            // fails with that cause (a 503), not with the missing savepoint.
                            do {
                                try await sql.raw("ROLLBACK TO docket_write").run()
                                try await sql.raw("RELEASE docket_write").run()
                            } catch _ {
                                throw error
                            }
                            outcomes.withLock { $0.append(.failure(error)) }
                        }
                    }
                    try await sql.raw("COMMIT").run()
                } catch {
                    try? await sql.raw("ROLLBACK").run()
                    throw error
                }
            }
        } catch {
            // Nothing of this group is stored: a transaction that failed by itself keeps its own error, all others
            // get the group's.
            let known = outcomes.withLock { $0 }
            for (index, job) in group.enumerated() {
                if index < known.count, case .failure(let own) = known[index] {
                    job.continuation.resume(throwing: own)
                } else {
                    job.continuation.resume(throwing: error)
                }
            }
            return
        }
        for (job, outcome) in zip(group, outcomes.withLock { $0 }) { job.continuation.resume(with: outcome) }
    }
}
