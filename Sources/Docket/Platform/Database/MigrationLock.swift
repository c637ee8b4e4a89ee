import FluentPostgresDriver
import Foundation
import Logging
import NIOPosix
import PostgresNIO

/// Serialises schema migrations across processes, so nodes that start together with auto-migrate on take turns
/// instead of racing to create the same tables. PostgreSQL: a session advisory lock held on a connection of its own
/// (outside the pool the migrations use). SQLite: an exclusive `flock` on a lock file next to the database.
struct MigrationLock {
    /// The PostgreSQL advisory lock key: an arbitrary constant that names "Docket's schema".
    static let key: Int64 = 0x646F_636B_6574

    let location: DatabaseLocation
    let logger: Logger

    /// Runs `body` while holding the lock, after waiting for any other process that holds it.
    func withLock<Value>(_ body: () async throws -> Value) async throws -> Value {
        switch location {
        case .postgres(let url): return try await withAdvisoryLock(url: url, body)
        case .sqlite(let path): return try await withFileLock(path: path + ".migration-lock", body)
        }
    }

    private func withAdvisoryLock<Value>(url: String, _ body: () async throws -> Value) async throws -> Value {
        var configuration = try SQLPostgresConfiguration(url: url).coreConfiguration
        configuration.options.connectTimeout = .seconds(5)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        do {
            _ = try await connection.query("SELECT pg_advisory_lock(\(Self.key))", logger: logger)
            let value = try await body()
            // Ending the session releases its advisory locks.
            try? await connection.close()
            return value
        } catch {
            try? await connection.close()
            throw error
        }
    }

    private func withFileLock<Value>(path: String, _ body: () async throws -> Value) async throws -> Value {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw MigrationLockError(path: path, code: errno) }
        defer { close(descriptor) }  // closing releases the lock
        let locked = try await NIOThreadPool.singleton.runIfActive { flock(descriptor, LOCK_EX) == 0 ? 0 : errno }
        guard locked == 0 else { throw MigrationLockError(path: path, code: locked) }
        return try await body()
    }
}
