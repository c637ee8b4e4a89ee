import Foundation
import Logging

extension DocketConfig {
    /// Reads and validates the configuration from environment variables (secrets also from `NAME_FILE` files).
    /// - Throws: `ConfigError` naming the first variable whose value is unusable.
    public static func load(from environment: [String: String]) throws(ConfigError) -> DocketConfig {
        let environment = try SecretFileVariables.resolved(environment)
        let reader = EnvironmentReader(environment)
        let dataDirectory = try reader.nonEmptyString("DOCKET_DATA_DIR", default: "./data")
        var config = DocketConfig(
            host: try reader.bindHost("DOCKET_HOST", default: "127.0.0.1"),
            port: try reader.integer("DOCKET_PORT", default: 8080, in: 0...65535),
            dataDirectory: dataDirectory,
            database: try reader.databaseLocation("DATABASE_URL", dataDirectory: dataDirectory),
            databasePoolSize: try reader.integer("DOCKET_DB_POOL_SIZE", default: 4, in: 1...100),
            logLevel: try reader.choice("DOCKET_LOG_LEVEL", default: .info),
            logFormat: try reader.choice("DOCKET_LOG_FORMAT", default: .json),
            maxBodyBytes: try reader.integer("DOCKET_MAX_BODY_BYTES", default: 1_048_576, in: 1...1_073_741_824),
            autoMigrate: try reader.boolean("DOCKET_AUTO_MIGRATE", default: true),
            shutdownTimeout: .seconds(try reader.integer("DOCKET_SHUTDOWN_TIMEOUT", default: 10, in: 0...3600)),
            purgeInterval: .seconds(try reader.integer("DOCKET_PURGE_INTERVAL", default: 3600, in: 0...604_800)),
            auth: try reader.authSettings(),
            server: try reader.serverSettings(),
            tracing: try reader.tracingSettings(),
            jobs: try reader.jobSettings(),
            mcp: try reader.mcpSettings(),
            events: try reader.eventSettings()
        )
        if let url = environment["DOCKET_SMTP_URL"], !url.isEmpty {
            let from = environment["DOCKET_SMTP_FROM", default: ""]
            guard !from.isEmpty else { throw ConfigError(variable: "DOCKET_SMTP_FROM", problem: "must be set when DOCKET_SMTP_URL is") }
            config.smtp = try SMTPSettings.parse(url: url, from: from, caFile: environment["DOCKET_SMTP_CA_FILE"].flatMap { $0.isEmpty ? nil : $0 })
                .get()
        }
        config.broker = try reader.brokerSettings()
        config.consumers = try reader.consumerSettings()
        config.databasePoolTimeoutMilliseconds = try reader.integer("DOCKET_DB_POOL_TIMEOUT_MS", default: 1500, in: 100...60_000)
        // A delivery attempt must end well within its job's lease, or another claim could send it again meanwhile: an
        // explicit timeout that does not is refused; the default shrinks to fit a short lease.
        if config.events.webhookTimeout * 2 >= .seconds(config.jobs.leaseSeconds) {
            guard environment["DOCKET_WEBHOOK_TIMEOUT_SECONDS", default: ""].isEmpty else {
                throw ConfigError(variable: "DOCKET_WEBHOOK_TIMEOUT_SECONDS", problem: "must be less than half of DOCKET_JOB_LEASE")
            }
            config.events.webhookTimeout = .seconds(max(1, (config.jobs.leaseSeconds - 1) / 2))
        }
        return config
    }

    /// The process environment with a `.env` file in `directory` filling in unset variables.
    public static func environment(
        process: [String: String] = ProcessInfo.processInfo.environment,
        dotEnvDirectory directory: String = FileManager.default.currentDirectoryPath
    ) throws(ConfigError) -> [String: String] {
        let path = (directory as NSString).appendingPathComponent(".env")
        guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else { return process }
        let fileValues = try DotEnvParser.parse(contents)
        return fileValues.merging(process) { _, processValue in processValue }
    }
}

/// A closed set of configuration words.
protocol ConfigChoice {
    init?(configValue: String)
    static var allowedValues: [String] { get }
}

extension Logger.Level: ConfigChoice {
    init?(configValue: String) { self.init(rawValue: configValue) }
    static var allowedValues: [String] { Logger.Level.allCases.map(\.rawValue) }
}

extension LogFormat: ConfigChoice {
    init?(configValue: String) { self.init(rawValue: configValue) }
    static var allowedValues: [String] { ["json", "text"] }
}
