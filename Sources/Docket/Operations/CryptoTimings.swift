import Foundation

/// Measures the two costs that dominate authentication: one Argon2id hash and one access-token verification.
public enum CryptoTimings {
    /// What one run measured.
    public struct Result: Sendable {
        public let hashMilliseconds: Double
        public let verifyMicroseconds: Double
        public let cachedVerifyMicroseconds: Double
    }

    /// Median of `hashes` Argon2id hashes with `parameters`, and the mean cost of verifying fresh and cached tokens.
    public static func measure(parameters: Argon2Parameters, hashes: Int = 15, verifications: Int = 2_000) async throws -> Result {
        var hashTimes: [Double] = []
        for _ in 0..<hashes {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try PasswordHasher.hashNow("Correct-Horse-9", parameters: parameters)
            hashTimes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000)
        }
        let tokens = try await AccessTokens(keyFile: .generated(), settings: AuthSettings())
        var issued: [String] = []
        for _ in 0..<verifications { issued.append(try await tokens.issue(userID: UUID(), role: .user, sessionID: UUID())) }
        let fresh = try await time { for token in issued { _ = try await tokens.verify(token) } }
        let cached = try await time { for token in issued { _ = try await tokens.verify(token) } }
        return Result(
            hashMilliseconds: hashTimes.sorted()[hashTimes.count / 2],
            verifyMicroseconds: fresh / Double(verifications) * 1_000_000,
            cachedVerifyMicroseconds: cached / Double(verifications) * 1_000_000)
    }

    private static func time(_ body: () async throws -> Void) async throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try await body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000_000
    }
}
