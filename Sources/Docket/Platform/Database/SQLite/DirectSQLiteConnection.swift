import CBundledSQLite
import Foundation
import SQLiteNIO

/// One SQLite connection of Docket's own (on sqlite-nio's bundled library) with its prepared statements kept for reuse
/// (at most `statementLimit`, the least recently used finalized first): the read pool's read-only connections and the
/// group writer's connection. Not thread-safe: its owner uses it from one thread at a time (hence unchecked).
final class DirectSQLiteConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    private var statements: [String: CachedStatement] = [:]
    private var useCounter: UInt64 = 0
    static let statementLimit = 64

    private struct CachedStatement {
        let pointer: OpaquePointer
        var lastUse: UInt64
    }

    /// Opens `path` with the pragmas every Docket connection gets (busy timeout, foreign keys, durable commits); a
    /// read-only one also refuses writes outright (`query_only`).
    init(path: String, readOnly: Bool, busyTimeoutMilliseconds: Int32) throws {
        var handle: OpaquePointer?
        let mode = readOnly ? DOCKET_SQLITE_OPEN_READONLY : DOCKET_SQLITE_OPEN_READWRITE
        let status = sqlite_nio_sqlite3_open_v2(path, &handle, mode | DOCKET_SQLITE_OPEN_NOMUTEX, nil)
        guard status == DOCKET_SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "cannot open"
            if let handle { sqlite_nio_sqlite3_close_v2(handle) }
            throw DirectSQLiteError(code: status, message: message)
        }
        self.handle = handle
        sqlite_nio_sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
        for pragma in ["PRAGMA foreign_keys = ON", "PRAGMA synchronous = FULL", readOnly ? "PRAGMA query_only = ON" : "PRAGMA journal_mode = WAL"] {
            guard sqlite_nio_sqlite3_exec(handle, pragma, nil, nil, nil) == DOCKET_SQLITE_OK else { throw failure() }
        }
    }

    deinit {
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement.pointer) }
        sqlite_nio_sqlite3_close_v2(handle)
    }

    /// Runs `sql` with `binds` and calls `row` for each result row, then resets the statement (ending its read
    /// transaction, so the snapshot never outlives the call).
    func query(_ sql: String, _ binds: [SQLiteData], row: (SQLiteResultRow) throws -> Void) throws {
        let statement = try prepared(sql)
        defer {
            sqlite_nio_sqlite3_reset(statement)
            sqlite_nio_sqlite3_clear_bindings(statement)
        }
        for (offset, value) in binds.enumerated() { try bind(value, at: Int32(offset + 1), in: statement) }
        while true {
            let status = sqlite_nio_sqlite3_step(statement)
            if status == DOCKET_SQLITE_DONE { return }
            guard status == DOCKET_SQLITE_ROW else { throw failure() }
            try row(SQLiteResultRow(statement: statement))
        }
    }

    private func prepared(_ sql: String) throws -> OpaquePointer {
        useCounter += 1
        if let cached = statements[sql] {
            statements[sql]!.lastUse = useCounter
            return cached.pointer
        }
        var statement: OpaquePointer?
        let status = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(DOCKET_SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == DOCKET_SQLITE_OK, let statement else { throw failure() }
        if statements.count >= Self.statementLimit, let oldest = statements.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            sqlite_nio_sqlite3_finalize(oldest.value.pointer)
            statements[oldest.key] = nil
        }
        statements[sql] = CachedStatement(pointer: statement, lastUse: useCounter)
        return statement
    }

    private func bind(_ value: SQLiteData, at index: Int32, in statement: OpaquePointer) throws {
        let status: Int32
        switch value {
        case .integer(let number): status = sqlite_nio_sqlite3_bind_int64(statement, index, Int64(number))
        case .float(let number): status = sqlite_nio_sqlite3_bind_double(statement, index, number)
        case .text(let text):
            var text = text
            status = text.withUTF8 { bytes in
                sqlite_nio_sqlite3_bind_text(
                    statement, index, UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(bytes.count),
                    docket_sqlite_transient())
            }
        case .blob(let buffer):
            status = buffer.withUnsafeReadableBytes { bytes in
                sqlite_nio_sqlite3_bind_blob(statement, index, bytes.baseAddress, Int32(bytes.count), docket_sqlite_transient())
            }
        case .null: status = sqlite_nio_sqlite3_bind_null(statement, index)
        }
        guard status == DOCKET_SQLITE_OK else { throw failure() }
    }

    private func failure() -> DirectSQLiteError {
        DirectSQLiteError(code: sqlite_nio_sqlite3_extended_errcode(handle), message: String(cString: sqlite_nio_sqlite3_errmsg(handle)))
    }
}

/// The current row of a stepped statement, read by column index (valid only inside the row callback).
struct SQLiteResultRow {
    let statement: OpaquePointer

    /// Whether column `index` is NULL.
    func isNull(_ index: Int32) -> Bool { sqlite_nio_sqlite3_column_type(statement, index) == DOCKET_SQLITE_NULL }

    /// Column `index` as text (an empty string for NULL).
    func text(_ index: Int32) -> String {
        guard let bytes = sqlite_nio_sqlite3_column_text(statement, index) else { return "" }
        let count = Int(sqlite_nio_sqlite3_column_bytes(statement, index))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// Column `index` as text, or nil for NULL.
    func optionalText(_ index: Int32) -> String? { isNull(index) ? nil : text(index) }

    /// Column `index` as a UUID written as text (how sqlite-nio stores them), parsed without making a `String`; nil
    /// when it is not one.
    func uuid(_ index: Int32) -> UUID? {
        guard let text = sqlite_nio_sqlite3_column_text(statement, index), sqlite_nio_sqlite3_column_bytes(statement, index) == 36 else {
            return nil
        }
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let parsed = withUnsafeMutableBytes(of: &bytes) { output -> Bool in
            var position = 0
            for byteIndex in 0..<16 {
                if position == 8 || position == 13 || position == 18 || position == 23 {
                    guard text[position] == UInt8(ascii: "-") else { return false }
                    position += 1
                }
                guard let high = Self.hexValue(text[position]), let low = Self.hexValue(text[position + 1]) else { return false }
                output[byteIndex] = high << 4 | low
                position += 2
            }
            return true
        }
        return parsed ? UUID(uuid: bytes) : nil
    }

    private static func hexValue(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Column `index` as a 64-bit integer.
    func int64(_ index: Int32) -> Int64 { sqlite_nio_sqlite3_column_int64(statement, index) }

    /// How many columns the row has.
    var count: Int32 { sqlite_nio_sqlite3_column_count(statement) }

    /// The name of column `index`.
    func name(_ index: Int32) -> String { String(cString: sqlite_nio_sqlite3_column_name(statement, index)) }

    /// Column `index` as sqlite-nio's value type (what SQLiteKit's decoder reads).
    func value(_ index: Int32) -> SQLiteData {
        switch sqlite_nio_sqlite3_column_type(statement, index) {
        case DOCKET_SQLITE_INTEGER: .integer(SQLiteInt64(int64(index)))
        case DOCKET_SQLITE_FLOAT: .float(sqlite_nio_sqlite3_column_double(statement, index))
        case DOCKET_SQLITE_TEXT: .text(text(index))
        case DOCKET_SQLITE_BLOB:
            if let bytes = sqlite_nio_sqlite3_column_blob(statement, index) {
                .blob(ByteBuffer(bytes: UnsafeRawBufferPointer(start: bytes, count: Int(sqlite_nio_sqlite3_column_bytes(statement, index)))))
            } else {
                .blob(ByteBuffer())
            }
        default: .null
        }
    }

    /// Column `index` as a 64-bit integer, or nil for NULL.
    func optionalInt64(_ index: Int32) -> Int64? { isNull(index) ? nil : int64(index) }
}
