import FluentKit

/// A failure of Docket's own SQLite calls (the read pool, the group writer), with SQLite's extended result code.
struct DirectSQLiteError: Error, CustomStringConvertible, DatabaseError {
    let code: Int32
    let message: String

    var description: String { "SQLite failed (\(code)): \(message)" }

    /// Whether the code means the storage is unavailable (busy, locked, I/O, full, cannot open, out of memory) rather
    /// than a bug.
    var isUnavailable: Bool {
        // BUSY 5, LOCKED 6, NOMEM 7, IOERR 10, FULL 13, CANTOPEN 14, PROTOCOL 15.
        [5, 6, 7, 10, 13, 14, 15].contains(code & 0xFF)
    }

    var isSyntaxError: Bool { false }
    /// SQLITE_CONSTRAINT (a unique key taken by a concurrent request, say).
    var isConstraintFailure: Bool { code & 0xFF == 19 }
    var isConnectionClosed: Bool { false }
}
