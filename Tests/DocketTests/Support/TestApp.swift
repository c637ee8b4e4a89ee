import Foundation
import Hummingbird
import HummingbirdTesting
import Logging

@testable import Docket

/// A running Docket built from a test configuration against a fresh database of one backend.
struct TestApp {
    let backend: TestBackend
    var config: DocketConfig
    let logs = LogSink.memory()

    /// A test configuration with a fresh database; `configure` may change anything before the app is built.
    static func make(_ backend: TestBackend, configure: (inout DocketConfig) -> Void = { _ in }) async throws -> TestApp {
        let location = try await backend.freshLocation()
        var config = DocketConfig(host: "127.0.0.1", port: 0, dataDirectory: NSTemporaryDirectory(), database: location, logLevel: .debug)
        configure(&config)
        return TestApp(backend: backend, config: config)
    }

    /// Runs `body` with an HTTP client talking to the app, and a handle on its database to check what is stored.
    func run<Value>(
        _ setup: TestingSetup = .router,
        _ body: @Sendable (any TestClientProtocol, DocketDatabase) async throws -> Value
    ) async throws -> Value {
        let logger = Logger.docket(level: config.logLevel, format: .json, sink: logs)
        let database = try DocketDatabase(location: config.database, poolSize: 2, logger: logger)
        let app = try buildApplication(config: config, database: database, logger: logger)
        return try await app.test(setup) { client in
            try await body(client, database)
        }
    }
}
