import FluentKit
import FluentSQLiteDriver
import Logging
import NIOCore
import NIOPosix
import SQLKit
import Synchronization

/// The one writer of SQLite write transactions in this process, committing them in groups: transactions that arrive
/// while a group is being written wait, and the next group runs them one after another inside one
/// `BEGIN IMMEDIATE … COMMIT`, each in a savepoint of its own, so all of them share one fsync of the WAL
/// (`synchronous = FULL` stays). A transaction that throws is rolled back to its savepoint and fails alone; every
/// caller is answered only after its group's COMMIT returned, and if that COMMIT fails, none of the group is.
///
/// Transactions come in two kinds, taken in arrival order: `direct` ones (the hot task writes, SQLKit only) run on the
/// writer's own connection, statement after statement on the writer's thread; `fluent` ones (everything else, which may
/// use Fluent models) run on a connection of Fluent's pool. Either way one group is written at a time.
final class SQLiteGroupCommit: Sendable {
    /// Which connection a transaction needs.
    enum Kind: Sendable {
        case direct, fluent
    }

    private typealias Work = @Sendable (any SQLDatabase) async throws -> any Sendable

    private struct Job: Sendable {
        let kind: Kind
        let work: Work
        let continuation: CheckedContinuation<any Sendable, any Error>
    }

    private struct State {
        var queue: [Job] = []
        var writing = false
        var closed = false
    }

    /// Set while a group's transactions run: a transaction (or a routed write) started from inside one would wait for
    /// the group it is part of, so it fails at once instead (`nestedWrite`).
    @TaskLocal static var insideGroup = false

    private let state = Mutex(State())
    private let path: String
    private let fluentConnection: @Sendable (@escaping @Sendable (any SQLDatabase) async throws -> Void) async throws -> Void
    private let eventLoop: any EventLoop
    private let blocking: NIOThreadPool
    private let logger: Logger
    /// The writer's own connection, opened with the first direct group; only the one writing loop touches it.
    private let directConnection = Mutex<DirectSQLiteConnection?>(nil)
    /// The most transactions one group holds (a bound on how long one COMMIT keeps the others waiting).
    static let maxGroup = 64

    /// A writer for the SQLite file at `path`: fluent groups take a pooled connection through `fluentConnection`;
    /// direct groups run BEGIN and COMMIT (which may wait on a lock or the disk) on `blocking`'s threads.
    init(
        path: String, eventLoop: any EventLoop, blocking: NIOThreadPool, logger: Logger,
        fluentConnection: @escaping @Sendable (@escaping @Sendable (any SQLDatabase) async throws -> Void) async throws -> Void
    ) {
        self.path = path
        self.eventLoop = eventLoop
        self.blocking = blocking
        self.logger = logger
        self.fluentConnection = fluentConnection
    }

    /// Runs `body` in the next group of its kind and returns its result once the group is committed.
    /// Throws `nestedWrite` at once when called from inside a group (it could never run), and `closed` after `close()`.
    func run<T: Sendable>(_ kind: Kind, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        if Self.insideGroup { throw SQLiteWriterError.nestedWrite }
        let value = try await withCheckedThrowingContinuation { continuation in
            let outcome = state.withLock { state -> Bool? in
                if state.closed { return nil }
                state.queue.append(Job(kind: kind, work: { try await body($0) }, continuation: continuation))
                defer { state.writing = true }
                return !state.writing
            }
            switch outcome {
            case nil: continuation.resume(throwing: SQLiteWriterError.closed)
            // Detached: the writing loop serves every caller, so it must not carry the first one's task-locals
            // (its tracing span, its logger metadata).
            case true?: Task.detached { await self.writeGroups() }
            case false?: break
            }
        }
        return value as! T
    }

    /// Refuses every later transaction (`closed`, a 503) and closes the writer's own connection once the groups already
    /// queued are written; nothing reopens it.
    func close() async {
        state.withLock { $0.closed = true }
        let deadline = ContinuousClock.now + .seconds(10)
        while state.withLock({ $0.writing }), ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
        directConnection.withLock { $0 = nil }
    }

    /// Writes groups (the longest run of one kind at the head of the queue) until nothing waits.
    private func writeGroups() async {
        while true {
            let group = state.withLock { state in
                guard let kind = state.queue.first?.kind else {
                    state.writing = false
                    return [Job]()
                }
                let group = Array(state.queue.prefix(Self.maxGroup).prefix { $0.kind == kind })
                state.queue.removeFirst(group.count)
                return group
            }
            guard let kind = group.first?.kind else { return }
            await write(group, kind: kind)
        }
    }

    private func write(_ group: [Job], kind: Kind) async {
        switch kind {
        case .fluent:
            await write(group) { try await self.fluentConnection($0) }
        case .direct:
            await write(group) { work in
                let connection = try self.openDirect()
                let database = DirectSQLiteDatabase(connection: connection, logger: self.logger, eventLoop: self.eventLoop)
                try await work(DirectTransactionDatabase(inner: database, blocking: self.blocking))
            }
        }
    }

    private func openDirect() throws -> DirectSQLiteConnection {
        try directConnection.withLock { connection in
            if let connection { return connection }
            let opened = try DirectSQLiteConnection(path: path, readOnly: false, busyTimeoutMilliseconds: 5000)
            connection = opened
            return opened
        }
    }

    private func write(
        _ group: [Job], on connection: (@escaping @Sendable (any SQLDatabase) async throws -> Void) async throws -> Void
    ) async {
        let outcomes = Mutex<[Result<any Sendable, any Error>]>([])
        do {
            try await connection { sql in
                try await sql.raw("BEGIN IMMEDIATE").run()
                do {
                    for job in group {
                        try await sql.raw("SAVEPOINT docket_write").run()
                        do {
                            // Set here, around the work itself: a pooled connection runs it in a task of its own,
                            // started on an event loop, which inherits nothing from the writer's loop.
                            let value = try await Self.$insideGroup.withValue(true) { try await job.work(sql) }
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
                } catch {
                    try? await sql.raw("ROLLBACK").run()
                    throw error
                }
                do {
                    try await sql.raw("COMMIT").run()
                } catch {
                    try? await sql.raw("ROLLBACK").run()
                    // An I/O failure while the commit record is made durable may leave it in the WAL, to be replayed
                    // at the next open: the group may be stored. A full disk or a lock is a known "not stored".
                    throw Self.commitFailureIsAmbiguous(error) ? CommitOutcomeUnknown(underlying: error) : error
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

extension SQLiteGroupCommit {
    /// Whether a failed COMMIT may still have stored the group: an I/O error (SQLITE_IOERR and its extended codes),
    /// unlike a full disk, a busy lock or the database closing, which store nothing.
    static func commitFailureIsAmbiguous(_ error: any Error) -> Bool {
        switch error {
        case let direct as DirectSQLiteError: direct.code & 0xFF == 10
        case let sqlite as SQLiteError: String(describing: sqlite.reason).hasPrefix("ioError")
        default: false
        }
    }
}

/// The direct connection as the group sees it: `BEGIN IMMEDIATE` and `COMMIT` (which may wait for another process's
/// lock or for the disk) run on a blocking thread; every other statement runs on the writer's thread.
private struct DirectTransactionDatabase: SQLDatabase {
    let inner: DirectSQLiteDatabase
    let blocking: NIOThreadPool

    var logger: Logger { inner.logger }
    var eventLoop: any EventLoop { inner.eventLoop }
    var dialect: any SQLDialect { inner.dialect }
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        // Serialized once: the text decides where it runs, and the same text and binds are run.
        let (sql, binds) = try inner.serializer.statement(query)
        if sql == "BEGIN IMMEDIATE" || sql == "COMMIT" {
            let inner = self.inner
            try await blocking.runIfActive { try inner.run(sql, binds, onRow) }
        } else {
            try inner.run(sql, binds, onRow)
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { try await self.execute(sql: query, onRow) }
    }
}
