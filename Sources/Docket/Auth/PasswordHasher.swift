import CArgon2
import Foundation
import Logging
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Argon2id hashing on its own threads, with bounded concurrency and a bounded queue,
/// so that a flood of logins cannot stall the event loops that serve everything else.
public final class PasswordHasher: PasswordHashing, Service, Sendable {
    let parameters: Argon2Parameters
    private let pool: NIOThreadPool
    private let queueLimit: Int
    private let pending = Atomic<Int>(0)

    /// A hasher using `concurrency` threads and letting at most `queueLimit` more hashes wait.
    public init(parameters: Argon2Parameters, concurrency: Int, queueLimit: Int, metrics: DocketMetrics) {
        self.metrics = metrics
        self.parameters = parameters
        self.queueLimit = queueLimit
        self.pool = NIOThreadPool(numberOfThreads: concurrency)
        self.pool.start()
        self.concurrency = concurrency
    }

    private let concurrency: Int
    private let metrics: DocketMetrics

    /// A PHC-format Argon2id hash of `password` with a fresh random salt.
    public func hash(_ password: String) async throws -> String {
        let parameters = self.parameters
        return try await run { try Self.hashNow(password, parameters: parameters) }
    }

    /// Whether `password` matches the PHC-format `encoded` hash.
    public func verify(_ password: String, against encoded: String) async throws -> Bool {
        try await run { Self.verifyNow(password, against: encoded) }
    }

    /// Whether `encoded` was made with other parameters than the current ones (and should be re-hashed).
    public func needsRehash(_ encoded: String) -> Bool {
        Self.needsRehash(encoded, parameters: parameters)
    }

    static func needsRehash(_ encoded: String, parameters: Argon2Parameters) -> Bool {
        let expected = "$argon2id$v=19$m=\(parameters.memoryKiB),t=\(parameters.iterations),p=\(parameters.parallelism)$"
        return !encoded.hasPrefix(expected)
    }

    /// Checks `password` against `encoded` on the calling thread.
    static func verifyNow(_ password: String, against encoded: String) -> Bool {
        let bytes = Array(password.utf8)
        return argon2id_verify(encoded, bytes, bytes.count) == ARGON2_OK.rawValue
    }

    private func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        let waiting = pending.add(1, ordering: .relaxed).newValue
        metrics.hashesInFlight.increment()
        defer {
            pending.subtract(1, ordering: .relaxed)
            metrics.hashesInFlight.decrement()
        }
        guard waiting <= concurrency + queueLimit else {
            throw AppError(.serviceUnavailable, "Too many sign-ins are in progress; try again shortly.", headers: [.retryAfter: "1"])
        }
        return try await pool.runIfActive(work)
    }

    /// Hashes `password` on the calling thread.
    static func hashNow(_ password: String, parameters: Argon2Parameters) throws -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = generator.next() }
        let passwordBytes = Array(password.utf8)
        let hashLength = 32
        let encodedLength = argon2_encodedlen(
            parameters.iterations, parameters.memoryKiB, parameters.parallelism, UInt32(salt.count), UInt32(hashLength), Argon2_id)
        var encoded = [CChar](repeating: 0, count: encodedLength)
        let status = argon2id_hash_encoded(
            parameters.iterations, parameters.memoryKiB, parameters.parallelism,
            passwordBytes, passwordBytes.count, salt, salt.count, hashLength, &encoded, encodedLength)
        guard status == ARGON2_OK.rawValue else {
            throw PasswordHashingError(code: status)
        }
        return String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Stops the hashing threads after the server has stopped.
    public func run() async throws {
        try? await gracefulShutdown()
        try await pool.shutdownGracefully()
    }
}
