import Foundation
import Logging

extension DocketConfig {
    /// Reads and validates the configuration from environment variables.
    /// - Throws: `ConfigError` naming the first variable whose value is unusable.
    public static func load(from environment: [String: String]) throws(ConfigError) -> DocketConfig {
        let reader = EnvironmentReader(environment)
        let dataDirectory = try reader.nonEmptyString("DOCKET_DATA_DIR", default: "./data")
        return DocketConfig(
            host: try reader.nonEmptyString("DOCKET_HOST", default: "127.0.0.1"),
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
            tracing: try reader.tracingSettings()
        )
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

/// A configuration value that cannot be used; its description is the one line printed before exiting.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    /// The variable at fault.
    public let variable: String
    /// What is wrong with it.
    public let problem: String

    /// Names a variable and what is wrong with it.
    public init(variable: String, problem: String) {
        self.variable = variable
        self.problem = problem
    }

    public var description: String { "\(variable): \(problem)" }
}

/// Typed, validating access to string environment values.
struct EnvironmentReader {
    let values: [String: String]

    init(_ values: [String: String]) { self.values = values }

    /// The value of `name` without surrounding spaces, or nil when unset or blank.
    func raw(_ name: String) -> String? {
        guard let value = values[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    func nonEmptyString(_ name: String, default fallback: String) throws(ConfigError) -> String {
        raw(name) ?? fallback
    }

    func integer(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let text = raw(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigError(
                variable: name,
                problem: "must be a whole number from \(range.lowerBound) to \(range.upperBound), got \"\(text)\""
            )
        }
        return value
    }

    func boolean(_ name: String, default fallback: Bool) throws(ConfigError) -> Bool {
        guard let text = raw(name) else { return fallback }
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw ConfigError(variable: name, problem: "must be true or false, got \"\(text)\"")
        }
    }

    func choice<Value: ConfigChoice>(_ name: String, default fallback: Value) throws(ConfigError) -> Value {
        guard let text = raw(name) else { return fallback }
        guard let value = Value(configValue: text.lowercased()) else {
            let allowed = Value.allowedValues.joined(separator: ", ")
            throw ConfigError(variable: name, problem: "must be one of \(allowed), got \"\(text)\"")
        }
        return value
    }

    func databaseLocation(_ name: String, dataDirectory: String) throws(ConfigError) -> DatabaseLocation {
        guard let text = raw(name) else {
            return .sqlite(path: (dataDirectory as NSString).appendingPathComponent("docket.sqlite"))
        }
        do {
            return try DatabaseLocation(url: text)
        } catch {
            throw ConfigError(variable: name, problem: error.reason)
        }
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
