/// A failure of the read pool's SQLite calls, with SQLite's (extended) result code and message.
struct SQLiteReadError: Error, CustomStringConvertible {
    let code: Int32
    let message: String

    var description: String { "SQLite read failed (\(code)): \(message)" }

    /// Whether the code means the storage is unavailable (busy, locked, I/O, cannot open, out of memory) rather than a bug.
    var isUnavailable: Bool {
        let primary = code & 0xFF
        // BUSY 5, LOCKED 6, NOMEM 7, IOERR 10, FULL 13, CANTOPEN 14, PROTOCOL 15.
        return [5, 6, 7, 10, 13, 14, 15].contains(primary)
    }
}
