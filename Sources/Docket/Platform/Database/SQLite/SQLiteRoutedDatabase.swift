import FluentKit
import Logging
import NIOCore
import SQLKit

/// On SQLite, the handle every caller gets outside a transaction: reads run on Fluent's pooled connections as before,
/// and every write (a Fluent create, update or delete, a schema change, an SQL statement that is not a read) runs
/// through the process's one writer as a transaction of its own. So no write of this process ever sleeps in SQLite's
/// busy handler, on a thread the writer needs, while another write of the process holds the lock.
struct SQLiteRoutedDatabase: Database, SQLDatabase {
    /// fluent-sqlite-driver's pooled handle.
    let inner: any Database & SQLDatabase
    let writer: SQLiteGroupCommit

    var context: DatabaseContext { inner.context }
    var inTransaction: Bool { false }
    var logger: Logger { inner.context.logger }
    var eventLoop: any EventLoop { inner.context.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { inner.version }
    var dialect: any SQLDialect { inner.dialect }
    var queryLogLevel: Logger.Level? { inner.queryLogLevel }

    func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> Void) -> EventLoopFuture<Void> {
        switch query.action {
        case .read, .aggregate:
            return inner.execute(query: query, onOutput: onOutput)
        case .create, .update, .delete, .custom:
            return routed { try await ($0 as! any Database).execute(query: query, onOutput: onOutput).get() }
        }
    }

    func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> {
        routed { try await ($0 as! any Database).execute(schema: schema).get() }
    }

    func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> {
        routed { try await ($0 as! any Database).execute(enum: `enum`).get() }
    }

    /// The whole closure is one transaction of the writer, on a pooled connection it holds.
    func transaction<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        let writer = self.writer
        return eventLoop.makeFutureWithTask {
            try await writer.run(.fluent) { sql in UncheckedBox(try await closure(sql as! any Database).get()) }.value
        }
    }

    func withConnection<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        let writer = self.writer
        return inner.withConnection { connection in
            closure(SQLiteRoutedDatabase(inner: connection as! any Database & SQLDatabase, writer: writer))
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        if SQLStatementKind.isRead(query, serializedBy: self) { return inner.execute(sql: query, onRow) }
        let writer = self.writer
        return eventLoop.makeFutureWithTask { try await writer.run(.direct) { try await $0.execute(sql: query, onRow) } }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        if SQLStatementKind.isRead(query, serializedBy: self) { return try await inner.execute(sql: query, onRow) }
        try await writer.run(.direct) { try await $0.execute(sql: query, onRow) }
    }

    /// Runs one Fluent write on the writer's pooled-connection path.
    private func routed(_ work: @escaping @Sendable (any SQLDatabase) async throws -> Void) -> EventLoopFuture<Void> {
        let writer = self.writer
        return eventLoop.makeFutureWithTask { try await writer.run(.fluent, work) }
    }
}

/// A value of a type Fluent does not mark `Sendable` (a transaction's result), carried out of the writer unchanged.
private struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
