import ArgumentParser
import Docket

/// `docket crypto-timings`: measure one password hash and one token verification with the configured parameters.
struct CryptoTimingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crypto-timings", abstract: "Measure one Argon2id hash and one access-token verification on this machine.")

    func run() async throws {
        let config = try loadConfigOrExit()
        let result = try await CryptoTimings.measure(parameters: config.auth.argon2)
        print(
            "argon2id hash (m=\(config.auth.argon2.memoryKiB) KiB, t=\(config.auth.argon2.iterations), p=\(config.auth.argon2.parallelism)): "
                + "\(String(format: "%.1f", result.hashMilliseconds)) ms (median)")
        print("access token verification (Ed25519, full): \(String(format: "%.1f", result.verifyMicroseconds)) µs")
        print("access token verification (cached): \(String(format: "%.2f", result.cachedVerifyMicroseconds)) µs")
    }
}
