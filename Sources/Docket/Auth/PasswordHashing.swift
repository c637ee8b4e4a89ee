/// Hashes and checks passwords; the server uses the pooled `PasswordHasher`, one-shot commands `ImmediatePasswordHasher`.
protocol PasswordHashing: Sendable {
    /// A PHC-format Argon2id hash of `password` with a fresh random salt.
    func hash(_ password: String) async throws -> String
    /// Whether `password` matches the PHC-format `encoded` hash.
    func verify(_ password: String, against encoded: String) async throws -> Bool
    /// Whether `encoded` was made with other parameters than the current ones (and should be re-hashed).
    func needsRehash(_ encoded: String) -> Bool
}
