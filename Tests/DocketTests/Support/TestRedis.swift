import DocketRedis
import Foundation
import Logging
import Testing

/// The Redis the test script started (`DOCKET_TEST_REDIS_URL`, with a password), and throwaway instances a test can
/// stop and start itself (`scripts/redis-instance`).
enum TestRedis {
    /// The shared instance's endpoint; records an issue and throws when the test script did not start one.
    static func endpoint() throws -> RedisEndpoint {
        guard let url = ProcessInfo.processInfo.environment["DOCKET_TEST_REDIS_URL"], let endpoint = RedisEndpoint(url: url) else {
            Issue.record("DOCKET_TEST_REDIS_URL is not set: run ./scripts/test (it starts redis-server)")
            throw TestSetupError.redisNotConfigured
        }
        return endpoint
    }

    /// A client of the shared instance.
    static func client(commandTimeout: Duration = .seconds(5)) throws -> RedisClient {
        try RedisClient(endpoint: endpoint(), commandTimeout: commandTimeout, logger: Logger(label: "test-redis"))
    }

    /// A stream key no other test uses.
    static func uniqueStream() -> String { "test:\(UUID().uuidString.lowercased())" }
}

/// A `redis-server` of a test's own, on a port of its own, that the test may stop and start again (data kept).
final class RedisInstance: Sendable {
    let directory: String
    let endpoint: RedisEndpoint

    /// Starts a fresh instance.
    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("docket-redis-\(UUID().uuidString)").path
        let url = try Self.script(["start", directory]).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let endpoint = RedisEndpoint(url: url) else { throw TestSetupError.redisNotConfigured }
        self.endpoint = endpoint
    }

    /// Stops it (its append-only file stays).
    func stop() throws { _ = try Self.script(["stop", directory]) }

    /// Starts it again on the same port with the same data.
    func restart() throws { _ = try Self.script(["restart", directory]) }

    /// Runs `scripts/redis-instance` and returns what it printed. Its output goes to a file, not a pipe: a pipe is read
    /// to its end, and any process that inherited it (a daemon) would hold that end off.
    private static func script(_ arguments: [String]) throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("redis-instance-\(UUID().uuidString).out").path
        guard FileManager.default.createFile(atPath: outputPath, contents: nil), let output = FileHandle(forWritingAtPath: outputPath) else {
            throw TestSetupError.redisNotConfigured
        }
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let process = Process()
        process.executableURL = root.appendingPathComponent("scripts/redis-instance")
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        try DocketProcess.spawn(process)
        try output.close()
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        guard !process.isRunning, process.terminationStatus == 0 else {
            if process.isRunning { process.terminate() }
            throw TestSetupError.redisNotConfigured
        }
        return (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }

    deinit { _ = try? Self.script(["stop", directory]) }
}
