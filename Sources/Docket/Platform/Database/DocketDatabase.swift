import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import SQLKit
import ServiceLifecycle
import Synchronization

/// Owns the FluentKit databases for the process: opens them, hands out per-request handles, closes them last.
public final class DocketDatabase: Service, Sendable {
    /// Which backend this is.
    public let location: DatabaseLocation
    let databases: Databases
    let migrations: Migrations
    let eventLoopGroup: any EventLoopGroup
    let logger: Logger
    /// A handle kept from before the connections closed: work that outlives the database (a job releasing itself while
    /// the process stops) gets an error from it instead of a crash.
    private let closedHandle = Mutex<(any Database)?>(nil)
    /// On SQLite, the one writer of this process's write transactions, committing them in groups (one fsync for many);
    /// none waits out SQLite's busy timeout on a blocking thread for another of this process (other processes still
    /// use it).
    private let sqliteWriter: SQLiteGroupCommit?
    /// On SQLite, read-only connections on threads of their own for the hot reads (`DOCKET_DB_POOL_SIZE` of them).
    let sqliteReads: SQLiteReadPool?

    /// Opens (lazily) the database at `location`; creates the SQLite file's directory when missing. SQLite's blocking
    /// calls run on `threadPool`. On PostgreSQL, `poolSize` connections per event loop, each waited for at most
    /// `poolTimeout` (`DOCKET_DB_POOL_SIZE`, `DOCKET_DB_POOL_TIMEOUT_MS`); on SQLite, `poolSize` read-only connections
    /// beside the writer.
    public init(
        location: DatabaseLocation,
        poolSize: Int = 4,
        poolTimeout: TimeAmount = .milliseconds(1500),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        threadPool: NIOThreadPool = .singleton,
        logger: Logger
    ) throws {
        self.location = location
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.databases = Databases(threadPool: threadPool, on: eventLoopGroup)
        switch location {
        case .sqlite(let path):
            // The data directory and the database are the owner's alone (SQLite gives its -wal and -shm files the
            // database file's mode), whatever the umask.
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
            if !FileManager.default.fileExists(atPath: path) {
                FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
            }
            databases.use(
                .sqlite(.init(storage: .file(path: path), enableForeignKeys: true), connectionPoolTimeout: .seconds(5), sqlLogLevel: .trace),
                as: .sqlite
            )
            sqliteReads = SQLiteReadPool(path: path, size: poolSize)
            // BEGIN IMMEDIATE (in the writer) takes the write lock first: a deferred transaction that reads before it
            // writes fails at once (SQLITE_BUSY) when another connection committed in between, e.g. a rate-limit upsert.
            sqliteWriter = SQLiteGroupCommit(
                path: path, eventLoop: eventLoopGroup.any(), blocking: threadPool, logger: logger,
                fluentConnection: { [databases, eventLoopGroup, logger] work in
                    guard let database = databases.database(logger: logger, on: eventLoopGroup.any()) else {
                        throw SQLiteWriterError.closed
                    }
                    try await database.withConnection { try await work($0 as! any SQLDatabase) }
                })
        case .postgres(let url):
            sqliteReads = nil
            sqliteWriter = nil
            var configuration = try SQLPostgresConfiguration(url: url)
            configuration.coreConfiguration.options.connectTimeout = .seconds(5)
            databases.use(
                .postgres(
                    configuration: configuration,
                    maxConnectionsPerEventLoop: poolSize,
                    // A request waits this long for a connection, then gets a 503 with Retry-After: when PostgreSQL is
                    // down or the node overloaded, failing fast beats piling up.
                    connectionPoolTimeout: poolTimeout,
                    encodingContext: .default,
                    decodingContext: .default,
                    sqlLogLevel: .trace
                ),
                as: .psql
            )
        }
        self.migrations = Migrations()
        migrations.add(DocketMigrations.all)
    }

    /// A database handle for one unit of work, logging through `logger`. On SQLite its writes go through the one
    /// writer (see `SQLiteRoutedDatabase`); its reads, and everything on PostgreSQL, use the pool.
    public func database(logger: Logger) -> any Database {
        let pooled = databases.database(logger: logger, on: eventLoopGroup.any()) ?? closedHandle.withLock { $0 }!
        guard let sqliteWriter else { return pooled }
        return SQLiteRoutedDatabase(inner: pooled as! any Database & SQLDatabase, writer: sqliteWriter)
    }

    /// The longest a PostgreSQL transaction may hold its connection; past it the connection is closed, which fails
    /// whatever the transaction is waiting for (a request's worst case: the pool timeout plus this).
    static let transactionDeadline: TimeAmount = .seconds(10)

    /// Runs `body` in one transaction: on SQLite through the group-committing writer (answered after its group's
    /// COMMIT); on PostgreSQL on a
    /// pinned connection (see `PinnedPostgresDatabase`) that a deadline closes, so a transaction always ends and its
    /// connection always goes back to the pool, even when PostgreSQL goes away in the middle.
    func transaction<T: Sendable>(logger: Logger, _ body: @Sendable @escaping (any SQLDatabase) async throws -> T) async throws -> T {
        if let sqliteWriter { return try await sqliteWriter.run(.fluent, body) }
        return try await database(logger: logger).withConnection { leased in
            let db = try await PinnedPostgresDatabase.pin(leased)
            let connection = db.connection
            let timer = connection.eventLoop.scheduleTask(in: Self.transactionDeadline) {
                logger.warning("database transaction passed its deadline; closing its connection")
                let _: EventLoopFuture<Void> = connection.close()
            }
            defer { timer.cancel() }
            try await db.raw("BEGIN").run()
            let result: T
            do {
                result = try await body(db)
            } catch {
                do {
                    try await db.raw("ROLLBACK").run()
                } catch {
                    let _: EventLoopFuture<Void> = connection.close()
                }
                throw error
            }
            do {
                try await db.raw("COMMIT").run()
            } catch {
                // A connection in an unknown state is never reused.
                let _: EventLoopFuture<Void> = connection.close()
                // PostgreSQL answered (a serialization failure, say): the transaction is rolled back, a known outcome.
                // No answer (the connection lost, the deadline closed it): it may have committed.
                if let psql = error as? PSQLError, psql.serverInfo?[.sqlState] != nil { throw error }
                throw CommitOutcomeUnknown(underlying: error)
            }
            return result
        }
    }

    /// `transaction(logger:_:)` for the hot task writes, whose `body` uses SQLKit only (no Fluent models): on SQLite it
    /// runs on the group writer's own connection, every statement on the writer's thread through a cached prepared
    /// statement (sqlite-nio's hop per statement to a thread pool and back through an event loop bounded creates).
    func hotTransaction<T: Sendable>(logger: Logger, _ body: @Sendable @escaping (any SQLDatabase) async throws -> T) async throws -> T {
        if let sqliteWriter { return try await sqliteWriter.run(.direct, body) }
        return try await transaction(logger: logger, body)
    }

    /// The rows of a PostgreSQL prepared statement (prepared once per connection by postgres-nio, then run by name),
    /// on a pooled connection checked to be open first (a statement written to a closed one would never complete).
    func postgresRows<Statement: PostgresPreparedStatement>(_ statement: Statement, logger: Logger) async throws -> [Statement.Row]
    where Statement.Row: Sendable {
        let pool = database(logger: logger) as! any PostgresDatabase
        return try await pool.withConnection { connection in
            connection.eventLoop.makeFutureWithTask {
                guard !connection.isClosed else { throw ChannelError.ioOnClosedChannel }
                var rows: [Statement.Row] = []
                for try await row in try await connection.execute(statement, logger: logger) { rows.append(row) }
                return rows
            }
        }.get()
    }

    /// The same handle as a SQLKit database, for hand-written queries.
    public func sql(logger: Logger) -> any SQLDatabase {
        database(logger: logger) as! any SQLDatabase
    }

    /// Applies the per-connection settings SQLite needs (WAL, durable commits, a busy timeout) once per pooled connection.
    public func configureConnections() async throws {
        guard case .sqlite = location else { return }
        for eventLoop in eventLoopGroup.makeIterator() {
            let sql = databases.database(logger: logger, on: eventLoop)! as! any SQLDatabase
            try await sql.raw("PRAGMA journal_mode = WAL").run()
            try await sql.raw("PRAGMA synchronous = FULL").run()
            try await sql.raw("PRAGMA busy_timeout = 5000").run()
            try await sql.raw("PRAGMA foreign_keys = ON").run()
        }
    }

    /// Closes every connection; used by one-shot commands that do not run as a service.
    public func close() async {
        await shutDown()
    }

    private func shutDown() async {
        let handle = databases.database(logger: logger, on: eventLoopGroup.any())
        closedHandle.withLock { if $0 == nil { $0 = handle } }
        await sqliteReads?.close()
        await sqliteWriter?.close()
        await databases.shutdownAsync()
    }

    /// Waits for shutdown, then closes every connection (services stop in reverse order, so after the HTTP server).
    public func run() async throws {
        try? await gracefulShutdown()
        await shutDown()
        logger.info("database closed")
    }
}
