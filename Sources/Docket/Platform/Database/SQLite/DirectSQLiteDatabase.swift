import Logging
import NIOCore
import SQLKit
import SQLiteKit

/// SQLKit's `SQLDatabase` over one `DirectSQLiteConnection`, for the group writer: every statement runs on the calling
/// thread through a cached prepared statement, with no hop to a thread pool and back through an event loop per
/// statement (sqlite-nio's cost, measured as the bound on creates). Queries keep their one SQLKit form. Only for code
/// that holds the connection exclusively (the writer's group), never shared between threads at once.
struct DirectSQLiteDatabase: SQLDatabase {
    let connection: DirectSQLiteConnection
    let logger: Logger
    let eventLoop: any EventLoop
    let dialect: any SQLDialect = SQLiteDialect()
    var queryLogLevel: Logger.Level? { nil }
    /// Turns SQLKit expressions into SQLite text and binds.
    let serializer = SQLiteDialectDatabase()

    init(connection: DirectSQLiteConnection, logger: Logger, eventLoop: any EventLoop) {
        self.connection = connection
        self.logger = logger
        self.eventLoop = eventLoop
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        let (sql, binds) = try serializer.statement(query)
        try run(sql, binds, onRow)
    }

    /// Runs an already serialized statement on the calling thread, handing each row to `onRow`.
    func run(_ sql: String, _ binds: [SQLiteData], _ onRow: @escaping @Sendable (any SQLRow) -> Void) throws {
        var columns: [String]?
        try connection.query(sql, binds) { row in
            let names = columns ?? (0..<row.count).map(row.name)
            columns = names
            onRow(DirectSQLiteRow(columns: names, values: (0..<row.count).map(row.value)))
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { try await self.execute(sql: query, onRow) }
    }
}

/// A row read by `DirectSQLiteDatabase`: its column names and values, decoded by SQLiteKit's decoder.
struct DirectSQLiteRow: SQLRow {
    let columns: [String]
    let values: [SQLiteData]

    var allColumns: [String] { columns }

    func contains(column: String) -> Bool { columns.contains(column) }

    func decodeNil(column: String) throws -> Bool {
        guard let index = columns.firstIndex(of: column) else { throw missing(column) }
        return values[index] == .null
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let index = columns.firstIndex(of: column) else { throw missing(column) }
        return try SQLiteDataDecoder().decode(D.self, from: values[index])
    }

    private func missing(_ column: String) -> DecodingError {
        .keyNotFound(SQLiteRowColumn(column), .init(codingPath: [], debugDescription: "no column \(column) in the row"))
    }
}

/// A column name as a coding key, for decoding errors.
struct SQLiteRowColumn: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
