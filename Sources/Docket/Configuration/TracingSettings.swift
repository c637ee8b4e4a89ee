import Foundation

/// Where request traces are exported over OTLP/HTTP, read from the standard OpenTelemetry variables.
///
/// Environment variables (from the process or `.env`):
/// - `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (URL, used as is) or `OTEL_EXPORTER_OTLP_ENDPOINT` (base URL; `/v1/traces`
///   is appended): setting either turns export on. Needs a build with the `OpenTelemetry` package trait.
/// - `OTEL_EXPORTER_OTLP_PROTOCOL` / `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` (`http/protobuf`, the default, or `http/json`).
/// - `OTEL_EXPORTER_OTLP_HEADERS` / `OTEL_EXPORTER_OTLP_TRACES_HEADERS` (`key=value,…`, values percent-decoded): sent with
///   every export, e.g. a collector's API key.
/// - `OTEL_SERVICE_NAME` (default `docket`).
/// - `OTEL_SDK_DISABLED` (`true` turns export off whatever else is set).
///
/// Sampling, batching, timeouts and TLS files follow the other `OTEL_*` variables of the process environment.
public struct TracingSettings: Sendable, Equatable {
    /// The full URL spans are posted to; `nil` means tracing is off.
    public var endpoint: String?
    /// The OTLP/HTTP encoding.
    public var encoding: Encoding = .protobuf
    /// Extra HTTP headers for the collector.
    public var headers: [Header] = []
    /// The `service.name` resource attribute.
    public var serviceName = "docket"

    /// OTLP/HTTP body encodings.
    public enum Encoding: String, Sendable, Equatable {
        case protobuf = "http/protobuf"
        case json = "http/json"
    }

    /// One extra header sent to the collector.
    public struct Header: Sendable, Equatable {
        public let name: String
        public let value: String
    }

    /// Tracing off.
    public init() {}
}

extension EnvironmentReader {
    func tracingSettings() throws(ConfigError) -> TracingSettings {
        var settings = TracingSettings()
        settings.serviceName = try nonEmptyString("OTEL_SERVICE_NAME", default: "docket")
        if try boolean("OTEL_SDK_DISABLED", default: false) { return settings }
        settings.endpoint = try otlpEndpoint()
        let protocolVariable = present("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") ?? "OTEL_EXPORTER_OTLP_PROTOCOL"
        if let text = raw(protocolVariable) {
            guard let encoding = TracingSettings.Encoding(rawValue: text) else {
                throw ConfigError(
                    variable: protocolVariable, problem: "must be http/protobuf or http/json (Docket exports over HTTP), got \"\(text)\"")
            }
            settings.encoding = encoding
        }
        let headersVariable = present("OTEL_EXPORTER_OTLP_TRACES_HEADERS") ?? "OTEL_EXPORTER_OTLP_HEADERS"
        settings.headers = try otlpHeaders(headersVariable)
        return settings
    }

    private func otlpEndpoint() throws(ConfigError) -> String? {
        let (variable, url): (String, String)
        if let specific = raw("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
            (variable, url) = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", specific)
        } else if let base = raw("OTEL_EXPORTER_OTLP_ENDPOINT") {
            (variable, url) = ("OTEL_EXPORTER_OTLP_ENDPOINT", base.hasSuffix("/") ? "\(base)v1/traces" : "\(base)/v1/traces")
        } else {
            return nil
        }
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
            parsed.host?.isEmpty == false
        else {
            throw ConfigError(variable: variable, problem: "must be an http:// or https:// URL, got \"\(url)\"")
        }
        return url
    }

    private func otlpHeaders(_ variable: String) throws(ConfigError) -> [TracingSettings.Header] {
        guard let text = raw(variable) else { return [] }
        return try text.split(separator: ",").map { pair throws(ConfigError) in
            let parts = pair.split(separator: "=", maxSplits: 1)
            let name = parts.first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard parts.count == 2, !name.isEmpty,
                let value = String(parts[1]).trimmingCharacters(in: .whitespaces).removingPercentEncoding
            else {
                throw ConfigError(variable: variable, problem: "must be a list of key=value pairs separated by commas")
            }
            return TracingSettings.Header(name: name, value: value)
        }
    }

    private func present(_ name: String) -> String? { raw(name) == nil ? nil : name }
}
