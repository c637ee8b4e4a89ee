import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOPosix

@testable import Docket

/// A running Docket built from a test configuration against a fresh database of one backend.
struct TestApp {
    let backend: TestBackend
    var config: DocketConfig
    let logs = ProcessInfo.processInfo.environment["DOCKET_TEST_LOG_STDERR"] != nil ? LogSink.standardError() : LogSink.memory()
    let mailer = MemoryMailer()
    /// A real mailer to use instead of the in-memory one (the SMTP test).
    var realMailer: (any Mailer)?
    let metrics: DocketMetrics
    /// Spans of every request, when the test asked for tracing.
    let tracing: RequestTracing?
    /// Threads for this app's blocking SQLite calls instead of the shared `sqliteThreads` (a test of a small pool).
    var blockingThreads: NIOThreadPool?

    /// A test configuration with a fresh database and data directory; `configure` may change anything before the app is built.
    /// Argon2id runs with small (still real) parameters so the suite stays quick; rate limits are generous unless a test lowers them.
    static func make(_ backend: TestBackend, tracing: RequestTracing? = nil, configure: (inout DocketConfig) -> Void = { _ in }) async throws
        -> TestApp
    {
        let location = try await backend.freshLocation()
        let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("docket-data-\(UUID().uuidString)").path
        var auth = AuthSettings()
        auth.argon2 = Argon2Parameters(memoryKiB: 1024, iterations: 1, parallelism: 1)
        auth.ipLimit = RateLimitPolicy(capacity: 10_000, periodSeconds: 60)
        auth.accountLimit = RateLimitPolicy(capacity: 10_000, periodSeconds: 60)
        auth.writeLimit = RateLimitPolicy(capacity: 100_000, periodSeconds: 60)
        auth.emailAccountLimit = RateLimitPolicy(capacity: 10_000, periodSeconds: 60)
        auth.emailIPLimit = RateLimitPolicy(capacity: 10_000, periodSeconds: 60)
        var config = DocketConfig(
            host: "127.0.0.1", port: 0, dataDirectory: dataDirectory, database: location, logLevel: .debug, auth: auth)
        config.jobs.deletionGraceSeconds = 0
        // Docket's own event consumers (the statistics read model) only where a test reads them: dozens of apps in
        // parallel, each applying every event again, crowded the machine (and the 2-connection test pools).
        config.consumers.enabled = false
        configure(&config)
        return TestApp(backend: backend, config: config, metrics: DocketMetrics(tracer: tracing?.tracer), tracing: tracing)
    }

    /// Threads for the blocking SQLite calls of every test app. The process-wide default has one thread per core, and a
    /// connection waiting out SQLite's busy timeout holds its thread: with dozens of test databases in parallel, a few
    /// such waits could starve every other test's queries (one database per process, as in production, cannot).
    static let sqliteThreads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 16)
        pool.start()
        return pool
    }()

    /// How long a test app's request waits for a PostgreSQL connection before its 503. Dozens of apps share two cores
    /// and one PostgreSQL while the suite runs; 5 s let a create on a saturated machine fail now and then (a test of
    /// the pool timeout itself sets its own). `DOCKET_TEST_POOL_TIMEOUT_MS` changes it.
    static let poolTimeout: TimeAmount = .milliseconds(
        Int64(ProcessInfo.processInfo.environment["DOCKET_TEST_POOL_TIMEOUT_MS"] ?? "") ?? 20_000)

    /// Runs `body` with an HTTP client talking to the app, and a handle on its database to check what is stored.
    func run<Value>(
        _ setup: TestingSetup = .router,
        _ body: @Sendable (any TestClientProtocol, DocketDatabase) async throws -> Value
    ) async throws -> Value {
        let logger = Logger.docket(level: config.logLevel, format: .json, sink: logs)
        let database = try DocketDatabase(
            location: config.database, poolSize: 2, poolTimeout: Self.poolTimeout, threadPool: blockingThreads ?? Self.sqliteThreads,
            logger: logger)
        let app = try await buildApplication(
            config: config, database: database, mailer: realMailer ?? mailer, metrics: metrics, tracing: tracing, logger: logger)
        return try await app.test(setup) { client in
            try await body(client, database)
        }
    }
}
