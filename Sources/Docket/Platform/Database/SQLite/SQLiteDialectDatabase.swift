import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit

/// An `SQLDatabase` that only knows SQLite's dialect: it turns SQLKit expressions into SQL text and binds for the read
/// pool, so a query keeps one dialect-neutral form whichever connection runs it. It cannot execute anything.
struct SQLiteDialectDatabase: SQLDatabase {
    let logger = Logger(label: "docket.sqlite-dialect")
    let eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any()
    let dialect: any SQLDialect = SQLiteDialect()
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeFailedFuture(DirectSQLiteError(code: 21, message: "the dialect database only serializes"))
    }

    /// The SQL text and binds of `query` in SQLite's dialect.
    func serialize(_ query: some SQLExpression) -> (sql: String, binds: [any Encodable & Sendable]) {
        var serializer = SQLSerializer(database: self)
        query.serialize(to: &serializer)
        return (serializer.sql, serializer.binds)
    }

    /// The SQL text of `query` and its binds as SQLite values (as sqlite-nio would bind them), ready for a
    /// `DirectSQLiteConnection`.
    func statement(_ query: some SQLExpression) throws -> (sql: String, binds: [SQLiteData]) {
        let (sql, encodables) = serialize(query)
        let encoder = SQLiteDataEncoder()
        return (sql, try encodables.map { try encoder.encode($0) })
    }
}
