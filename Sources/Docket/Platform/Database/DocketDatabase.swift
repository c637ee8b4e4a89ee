import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit
import ServiceLifecycle

/// Owns the FluentKit databases for the process: opens them, hands out per-request handles, closes them last.
public final class DocketDatabase: Service, Sendable {
    /// Which backend this is.
    public let location: DatabaseLocation
    let databases: Databases
    let migrations: Migrations
    let eventLoopGroup: any EventLoopGroup
    let logger: Logger

    /// Opens (lazily) the database at `location`; creates the SQLite file's directory when missing. SQLite's blocking
    /// calls run on `threadPool`.
    public init(
        location: DatabaseLocation,
        poolSize: Int = 4,
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
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            databases.use(
                .sqlite(.init(storage: .file(path: path), enableForeignKeys: true), connectionPoolTimeout: .seconds(5), sqlLogLevel: .trace),
                as: .sqlite
            )
        case .postgres(let url):
            var configuration = try SQLPostgresConfiguration(url: url)
            configuration.coreConfiguration.options.connectTimeout = .seconds(5)
            databases.use(
                .postgres(
                    configuration: configuration,
                    maxConnectionsPerEventLoop: poolSize,
                    connectionPoolTimeout: .seconds(5),
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

    /// A database handle for one unit of work, logging through `logger`.
    public func database(logger: Logger) -> any Database {
        databases.database(logger: logger, on: eventLoopGroup.any())!
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
        await databases.shutdownAsync()
    }

    /// Waits for shutdown, then closes every connection (services stop in reverse order, so after the HTTP server).
    public func run() async throws {
        try? await gracefulShutdown()
        await databases.shutdownAsync()
        logger.info("database closed")
    }
}
