import Foundation
import Testing

@testable import Docket

@Suite("Configuration")
struct ConfigTests {
    @Test("defaults match the documented values")
    func defaults() throws {
        let config = try DocketConfig.load(from: [:])
        #expect(config.host == "127.0.0.1")
        #expect(config.port == 8080)
        #expect(config.dataDirectory == "./data")
        #expect(config.database == .sqlite(path: "./data/docket.sqlite"))
        #expect(config.logLevel == .info)
        #expect(config.logFormat == .json)
        #expect(config.maxBodyBytes == 1_048_576)
        #expect(config.autoMigrate)
    }

    @Test("every documented variable is read")
    func readsVariables() throws {
        let config = try DocketConfig.load(from: [
            "DOCKET_HOST": "0.0.0.0", "DOCKET_PORT": "9000", "DOCKET_DATA_DIR": "/var/lib/docket",
            "DATABASE_URL": "postgres://u:p@db:5432/docket", "DOCKET_LOG_LEVEL": "debug", "DOCKET_LOG_FORMAT": "text",
            "DOCKET_MAX_BODY_BYTES": "2048", "DOCKET_AUTO_MIGRATE": "false", "DOCKET_SHUTDOWN_TIMEOUT": "3",
        ])
        #expect(config.host == "0.0.0.0")
        #expect(config.port == 9000)
        #expect(config.database == .postgres(url: "postgres://u:p@db:5432/docket"))
        #expect(config.logLevel == .debug)
        #expect(config.logFormat == .text)
        #expect(config.maxBodyBytes == 2048)
        #expect(!config.autoMigrate)
        #expect(config.shutdownTimeout == .seconds(3))
    }

    @Test("secrets come from NAME_FILE files; both set, an unreadable or an empty file is refused with the _FILE name")
    func secretsFromFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("docket-secrets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let databaseFile = directory.appendingPathComponent("database-url")
        try "postgres://u:p@db:5432/docket\n".write(to: databaseFile, atomically: true, encoding: .utf8)
        let tokenFile = directory.appendingPathComponent("metrics-token")
        try "scrape-me".write(to: tokenFile, atomically: true, encoding: .utf8)
        let emptyFile = directory.appendingPathComponent("empty")
        try "\n".write(to: emptyFile, atomically: true, encoding: .utf8)

        let config = try DocketConfig.load(from: ["DATABASE_URL_FILE": databaseFile.path, "DOCKET_METRICS_TOKEN_FILE": tokenFile.path])
        #expect(config.database == .postgres(url: "postgres://u:p@db:5432/docket"))
        #expect(config.server.metricsToken == "scrape-me")

        for (environment, problem) in [
            (["DATABASE_URL": "postgres://u:p@db/x", "DATABASE_URL_FILE": databaseFile.path], "not both"),
            (["DATABASE_URL_FILE": directory.appendingPathComponent("missing").path], "cannot read"),
            (["DATABASE_URL_FILE": emptyFile.path], "is empty"),
        ] {
            #expect {
                try DocketConfig.load(from: environment)
            } throws: { error in
                (error as? ConfigError)?.variable == "DATABASE_URL_FILE" && (error as? ConfigError)?.problem.contains(problem) == true
            }
        }
    }

    @Test(
        "an invalid value names its variable",
        arguments: [
            ("DOCKET_PORT", "http"), ("DOCKET_PORT", "70000"), ("DOCKET_LOG_LEVEL", "loud"), ("DOCKET_LOG_FORMAT", "xml"),
            ("DOCKET_MAX_BODY_BYTES", "0"), ("DOCKET_AUTO_MIGRATE", "maybe"), ("DATABASE_URL", "mysql://x/y"),
            ("DATABASE_URL", "postgres://"), ("DATABASE_URL", "postgres://u@host"),
        ])
    func rejectsInvalid(variable: String, value: String) {
        #expect(throws: ConfigError.self) { try DocketConfig.load(from: [variable: value]) }
        do {
            _ = try DocketConfig.load(from: [variable: value])
        } catch {
            #expect(error.variable == variable)
        }
    }

    @Test("personal-access-token rate limits are read, defaulted and validated")
    func tokenRateLimits() throws {
        let defaults = try DocketConfig.load(from: [:]).auth
        #expect(defaults.tokenLimit == RateLimitPolicy(capacity: 300, periodSeconds: 60))
        #expect(defaults.tokenUserLimit == RateLimitPolicy(capacity: 600, periodSeconds: 60))
        let set = try DocketConfig.load(from: ["DOCKET_RATE_LIMIT_TOKEN": "5/10", "DOCKET_RATE_LIMIT_TOKEN_USER": "7/20"]).auth
        #expect(set.tokenLimit == RateLimitPolicy(capacity: 5, periodSeconds: 10))
        #expect(set.tokenUserLimit == RateLimitPolicy(capacity: 7, periodSeconds: 20))
        #expect(throws: ConfigError.self) { try DocketConfig.load(from: ["DOCKET_RATE_LIMIT_TOKEN": "lots"]) }
    }

    @Test("a .env file fills in what the environment does not set")
    func dotEnv() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "# comment\nexport DOCKET_PORT=9100\nDOCKET_HOST='0.0.0.0'\nDOCKET_LOG_LEVEL=\"warning\"\n"
            .write(to: directory.appendingPathComponent(".env"), atomically: true, encoding: .utf8)
        let environment = try DocketConfig.environment(process: ["DOCKET_HOST": "127.0.0.2"], dotEnvDirectory: directory.path)
        let config = try DocketConfig.load(from: environment)
        #expect(config.port == 9100)
        #expect(config.host == "127.0.0.2")
        #expect(config.logLevel == .warning)
    }

    @Test("a database URL's password never appears in its redacted form")
    func redaction() throws {
        #expect(try DatabaseLocation(url: "postgres://docket:hunter2@db:5432/docket").redacted == "postgres://docket:***@db:5432/docket")
    }
}

@Suite("Configuration: tracing")
struct TracingConfigTests {
    @Test("the OTLP base endpoint gets /v1/traces; a traces endpoint is used as is and wins")
    func endpoints() throws {
        #expect(
            try DocketConfig.load(from: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"]).tracing.endpoint
                == "http://collector:4318/v1/traces")
        #expect(
            try DocketConfig.load(from: ["OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector/otlp/"]).tracing.endpoint
                == "https://collector/otlp/v1/traces")
        let both = try DocketConfig.load(from: [
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://traces:9999/in",
        ])
        #expect(both.tracing.endpoint == "http://traces:9999/in")
        #expect(try DocketConfig.load(from: [:]).tracing == TracingSettings())
    }

    @Test("protocol, headers and service name are read")
    func details() throws {
        let tracing = try DocketConfig.load(from: [
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
            "OTEL_EXPORTER_OTLP_HEADERS": "x-api-key=abc%3D1, tenant = blue", "OTEL_SERVICE_NAME": "docket-eu",
        ]).tracing
        #expect(tracing.encoding == .json)
        #expect(tracing.headers == [.init(name: "x-api-key", value: "abc=1"), .init(name: "tenant", value: "blue")])
        #expect(tracing.serviceName == "docket-eu")
    }

    @Test(
        "unusable tracing values name their variable",
        arguments: [
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"),
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "ftp://collector/v1/traces"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "no-equals-sign"),
            ("OTEL_SDK_DISABLED", "maybe"),
        ])
    func invalid(variable: String, value: String) throws {
        var environment = ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"]
        environment[variable] = value
        #expect(throws: ConfigError.self) { try DocketConfig.load(from: environment) }
        do {
            _ = try DocketConfig.load(from: environment)
        } catch {
            #expect(error.variable == variable)
        }
    }
}
