import Foundation

/// The SQLite migration lock file could not be opened or locked.
struct MigrationLockError: Error, CustomStringConvertible {
    let path: String
    let code: Int32
    var description: String { "cannot lock \(path): \(String(cString: strerror(code)))" }
}
