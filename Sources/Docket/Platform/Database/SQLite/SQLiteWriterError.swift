import FluentKit

/// Why the SQLite writer refused a transaction without running it.
enum SQLiteWriterError: Error, CustomStringConvertible, DatabaseError {
    /// The database is closing or closed (shutdown): a 503, the client may retry on another node or later.
    case closed
    /// A write started from inside a transaction the writer is running: it would wait for its own group forever.
    case nestedWrite

    var description: String {
        switch self {
        case .closed: "the database is closed"
        case .nestedWrite: "a write was started inside a write transaction; use the transaction's own handle"
        }
    }

    var isSyntaxError: Bool { false }
    var isConstraintFailure: Bool { false }
    var isConnectionClosed: Bool { self == .closed }
}
