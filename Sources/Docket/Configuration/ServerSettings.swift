import Foundation

/// HTTP-facing settings: metrics, CORS, proxies, TLS and connection limits.
///
/// Environment variables:
/// - `DOCKET_METRICS_ENABLED` (default true): serve `/metrics` and record request metrics.
/// - `/metrics` is not public by default. Either `DOCKET_METRICS_TOKEN`: `/metrics` on the main listener needs
///   `Authorization: Bearer <token>`; or `DOCKET_METRICS_ADDRESS` (`host:port`, e.g. `127.0.0.1:9464`): a separate
///   listener serves only `/metrics`, for a network only Prometheus reaches. With neither, `/metrics` answers 403.
/// - `DOCKET_CORS_ORIGINS` (comma-separated exact origins, default none): browsers from these origins may call the API.
/// - `DOCKET_TRUSTED_PROXIES` (comma-separated IPs or IPv4 CIDRs, default none): only these peers' `X-Forwarded-For`
///   and `X-Forwarded-Proto` are believed (for rate limits, audit IPs and HSTS).
/// - `DOCKET_TLS_CERT_FILE` / `DOCKET_TLS_KEY_FILE` (PEM paths, optional, both or neither): serve HTTPS directly.
/// - `DOCKET_IDLE_TIMEOUT` (seconds, default 60): idle keep-alive connections are closed after this.
/// - `DOCKET_MAX_HEADER_BYTES` (default 16384): larger request headers close the connection.
public struct ServerSettings: Sendable {
    public var metricsEnabled = true
    public var metricsToken: String?
    public var metricsAddress: (host: String, port: Int)?
    public var corsOrigins: Set<String> = []
    public var trustedProxies: [IPRange] = []
    public var tlsCertificateFile: String?
    public var tlsKeyFile: String?
    public var idleTimeoutSeconds = 60
    public var maxHeaderBytes = 16_384

    /// Defaults as documented.
    public init() {}
}

extension EnvironmentReader {
    func serverSettings() throws(ConfigError) -> ServerSettings {
        var settings = ServerSettings()
        settings.metricsEnabled = try boolean("DOCKET_METRICS_ENABLED", default: true)
        settings.metricsToken = values["DOCKET_METRICS_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        if let text = values["DOCKET_METRICS_ADDRESS"], !text.isEmpty {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port),
                colon != text.startIndex
            else { throw ConfigError(variable: "DOCKET_METRICS_ADDRESS", problem: "must look like 127.0.0.1:9464, got \"\(text)\"") }
            settings.metricsAddress = (String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port)
        }
        settings.corsOrigins = Set(list("DOCKET_CORS_ORIGINS"))
        for origin in settings.corsOrigins where origin == "*" || !(origin.hasPrefix("http://") || origin.hasPrefix("https://")) {
            throw ConfigError(variable: "DOCKET_CORS_ORIGINS", problem: "must list exact origins like https://app.example.com, got \"\(origin)\"")
        }
        settings.trustedProxies = try list("DOCKET_TRUSTED_PROXIES").map { text throws(ConfigError) in
            guard let range = IPRange(text) else {
                throw ConfigError(variable: "DOCKET_TRUSTED_PROXIES", problem: "\"\(text)\" is not an IP address or IPv4 CIDR")
            }
            return range
        }
        settings.tlsCertificateFile = values["DOCKET_TLS_CERT_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        settings.tlsKeyFile = values["DOCKET_TLS_KEY_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        if (settings.tlsCertificateFile == nil) != (settings.tlsKeyFile == nil) {
            throw ConfigError(variable: "DOCKET_TLS_CERT_FILE", problem: "and DOCKET_TLS_KEY_FILE must be set together")
        }
        settings.idleTimeoutSeconds = try integer("DOCKET_IDLE_TIMEOUT", default: 60, in: 1...3600)
        settings.maxHeaderBytes = try integer("DOCKET_MAX_HEADER_BYTES", default: 16_384, in: 1024...1_048_576)
        return settings
    }

    private func list(_ name: String) -> [String] {
        (values[name] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
