import FluentKit
import FluentPostgresDriver
import Logging
import NIOCore
import PostgresNIO
import SQLKit

/// One leased PostgreSQL connection for a transaction, every statement started on the connection's event loop in
/// the same tick as a check that it is still open. postgres-nio drops a query written to a connection whose channel
/// has already been torn down (its future never completes, and the pooled connection is never returned), and Fluent's
/// own transactions write from a later tick; here a dead connection fails the statement at once instead
/// (`ChannelError.ioOnClosedChannel`, a 503), and a live one always completes it, even if it dies meanwhile.
struct PinnedPostgresDatabase: Database, SQLDatabase {
    /// fluent-postgres-driver's handle bound to the leased connection.
    let inner: any Database & SQLDatabase
    let connection: PostgresConnection

    /// Pins the connection `leased` (a handle from `withConnection`) is bound to.
    static func pin(_ leased: any Database) async throws -> PinnedPostgresDatabase {
        let connection = try await (leased as! any PostgresDatabase).withConnection { $0.eventLoop.makeSucceededFuture($0) }.get()
        return PinnedPostgresDatabase(inner: leased as! any Database & SQLDatabase, connection: connection)
    }

    private func pinned(_ start: @escaping @Sendable () -> EventLoopFuture<Void>) -> EventLoopFuture<Void> {
        let connection = self.connection
        return connection.eventLoop.flatSubmit {
            guard !connection.isClosed else { return connection.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
            return start()
        }
    }

    var context: DatabaseContext { inner.context }
    var inTransaction: Bool { true }

    func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> Void) -> EventLoopFuture<Void> {
        let inner = self.inner
        return pinned { inner.execute(query: query, onOutput: onOutput) }
    }

    func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> {
        let inner = self.inner
        return pinned { inner.execute(schema: schema) }
    }

    func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> {
        let inner = self.inner
        return pinned { inner.execute(enum: `enum`) }
    }

    func transaction<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> { closure(self) }

    func withConnection<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> { closure(self) }

    var logger: Logger { inner.context.logger }
    var eventLoop: any EventLoop { connection.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { inner.version }
    var dialect: any SQLDialect { inner.dialect }
    var queryLogLevel: Logger.Level? { inner.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        let inner = self.inner
        return pinned { inner.execute(sql: query, onRow) }
    }
}
