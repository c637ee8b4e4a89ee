import CArgon2

/// Hashes on the calling thread: for one-shot commands (the operator CLI, the seeder) that serve no other requests.
struct ImmediatePasswordHasher: PasswordHashing {
    let parameters: Argon2Parameters

    func hash(_ password: String) async throws -> String {
        try PasswordHasher.hashNow(password, parameters: parameters)
    }

    func verify(_ password: String, against encoded: String) async throws -> Bool {
        PasswordHasher.verifyNow(password, against: encoded)
    }

    func needsRehash(_ encoded: String) -> Bool {
        PasswordHasher.needsRehash(encoded, parameters: parameters)
    }
}
