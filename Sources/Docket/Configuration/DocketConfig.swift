import Foundation
import Logging

/// Every setting Docket reads at start-up, validated once and passed down through initialisers.
///
/// Environment variables (an optional `.env` file in the working directory fills in what the process
/// environment does not set):
/// - `DOCKET_HOST` (string, default `127.0.0.1`): the address to bind.
/// - `DOCKET_PORT` (integer 0–65535, default `8080`; 0 picks a free port).
/// - `DOCKET_DATA_DIR` (path, default `./data`): created if missing; holds the SQLite file and generated keys.
/// - `DATABASE_URL` (default: `sqlite://<data dir>/docket.sqlite`): `postgres://user:pass@host:port/db` selects PostgreSQL.
/// - `DOCKET_DB_POOL_SIZE` (integer 1–100, default `4`): PostgreSQL connections per event loop; on SQLite, read-only
///   connections beside the one writer.
/// - `DOCKET_LOG_LEVEL` (`trace`…`critical`, default `info`).
/// - `DOCKET_LOG_FORMAT` (`json` or `text`, default `json`).
/// - `DOCKET_MAX_BODY_BYTES` (integer ≥ 1, default 1048576): larger request bodies get 413.
/// - `DOCKET_AUTO_MIGRATE` (boolean, default `true`): `serve` applies pending migrations first.
/// - `DOCKET_SHUTDOWN_TIMEOUT` (seconds, default `10`): how long in-flight requests may finish after SIGTERM.
/// - `DOCKET_PURGE_INTERVAL` (seconds, default `3600`, `0` turns it off): how often expired rows are deleted.
/// - `<NAME>_FILE` for the secrets (`DATABASE_URL`, `DOCKET_BROKER_URL`, `DOCKET_SMTP_URL`, `DOCKET_METRICS_TOKEN`,
///   the OTLP headers): read the value from that file (`SecretFileVariables`).
public struct DocketConfig: Sendable {
    /// Address the HTTP server binds.
    public var host: String
    /// Port the HTTP server binds; 0 lets the system choose.
    public var port: Int
    /// Directory for the SQLite file and generated key material.
    public var dataDirectory: String
    /// Which database to use and where it is.
    public var database: DatabaseLocation
    /// PostgreSQL connections per event loop.
    public var databasePoolSize: Int
    /// How long a request waits for a pooled PostgreSQL connection before a 503 (`DOCKET_DB_POOL_TIMEOUT_MS`, default 1500).
    public var databasePoolTimeoutMilliseconds: Int = 1500
    /// Minimum level of log lines written.
    public var logLevel: Logger.Level
    /// Whether log lines are JSON or human-readable text.
    public var logFormat: LogFormat
    /// Largest accepted request body, in bytes.
    public var maxBodyBytes: Int
    /// Whether `serve` applies pending migrations before it listens.
    public var autoMigrate: Bool
    /// How long in-flight requests may take to finish once shutdown begins.
    public var shutdownTimeout: Duration
    /// How often expired idempotency keys, tokens and idle rate-limit buckets are deleted; zero turns it off.
    public var purgeInterval: Duration
    /// Tokens, password hashing, rate limits and emailed links.
    public var auth: AuthSettings
    /// Metrics, CORS, proxies, TLS and connection limits.
    public var server: ServerSettings
    /// Where request traces are exported (OTLP/HTTP), if anywhere.
    public var tracing: TracingSettings
    /// The job queue and this node's worker.
    public var jobs: JobSettings
    /// The MCP endpoint.
    public var mcp: MCPSettings
    /// Event feed and webhook settings.
    public var events: EventSettings
    /// The SMTP relay emails go through (`DOCKET_SMTP_URL`, `DOCKET_SMTP_FROM`, `DOCKET_SMTP_CA_FILE`); without one,
    /// emails are appended to `<data dir>/outbox.log` (fine for development, not for production).
    public var smtp: SMTPSettings?
    /// The message broker events are also published to (`DOCKET_BROKER_URL`); nil keeps the database transport.
    public var broker: BrokerSettings?
    /// How Docket's own event consumers retry and dead-letter.
    public var consumers = ConsumerSettings()

    /// Builds a configuration from explicit values; defaults match the documented environment defaults.
    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        dataDirectory: String = "./data",
        database: DatabaseLocation? = nil,
        databasePoolSize: Int = 4,
        logLevel: Logger.Level = .info,
        logFormat: LogFormat = .json,
        maxBodyBytes: Int = 1_048_576,
        autoMigrate: Bool = true,
        shutdownTimeout: Duration = .seconds(10),
        purgeInterval: Duration = .seconds(3600),
        auth: AuthSettings = AuthSettings(),
        server: ServerSettings = ServerSettings(),
        tracing: TracingSettings = TracingSettings(),
        jobs: JobSettings = JobSettings(),
        mcp: MCPSettings = MCPSettings(),
        events: EventSettings = EventSettings()
    ) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.database = database ?? .sqlite(path: (dataDirectory as NSString).appendingPathComponent("docket.sqlite"))
        self.databasePoolSize = databasePoolSize
        self.logLevel = logLevel
        self.logFormat = logFormat
        self.maxBodyBytes = maxBodyBytes
        self.autoMigrate = autoMigrate
        self.shutdownTimeout = shutdownTimeout
        self.purgeInterval = purgeInterval
        self.auth = auth
        self.server = server
        self.tracing = tracing
        self.jobs = jobs
        self.mcp = mcp
        self.events = events
    }

    /// The base URL of links in emails.
    public var publicURL: String { auth.publicURL ?? "http://\(host):\(port)" }
}
