import Foundation

/// Settings of the MCP endpoint (`/mcp`).
///
/// Environment variables:
/// - `DOCKET_MCP_ALLOWED_HOSTS` (comma-separated; default: the host of `DOCKET_PUBLIC_URL` with and without its port,
///   plus `localhost`, `127.0.0.1` and `[::1]` on any port): `Host` values accepted on `/mcp` (DNS-rebinding
///   protection; `name:*` allows any port).
/// - `DOCKET_MCP_ALLOWED_ORIGINS` (comma-separated; default: the origin of `DOCKET_PUBLIC_URL` and the loopback origins
///   on any port): browser `Origin`s accepted (requests without `Origin` are not browsers and pass).
/// - `DOCKET_MCP_SESSION_IDLE` (seconds, default 1800): an MCP session unused this long is closed.
/// - `DOCKET_MCP_MAX_SESSIONS` (default 1000): sessions kept per node; the least recently used closes first.
/// - `DOCKET_AGENT_ACTIVITY_DAYS` (default 90): how long the record of each tool call is kept.
public struct MCPSettings: Sendable {
    public var allowedHosts: [String]?
    public var allowedOrigins: [String]?
    public var sessionIdleSeconds = 1800
    public var maxSessions = 1000
    public var activityRetentionDays = 90

    /// Defaults as documented.
    public init() {}

    /// The hosts accepted on `/mcp` for a server whose public URL is `publicURL`.
    func hosts(publicURL: String) -> [String] {
        if let allowedHosts { return allowedHosts }
        var hosts = ["localhost:*", "127.0.0.1:*", "[::1]:*", "localhost", "127.0.0.1", "[::1]"]
        if let components = URLComponents(string: publicURL), let host = components.host {
            let bracketed = host.contains(":") ? "[\(host)]" : host
            hosts += [bracketed] + (components.port.map { ["\(bracketed):\($0)"] } ?? [])
        }
        return hosts
    }

    /// The browser origins accepted on `/mcp` for a server whose public URL is `publicURL`.
    func origins(publicURL: String) -> [String] {
        if let allowedOrigins { return allowedOrigins }
        var origins = ["http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"]
        if let components = URLComponents(string: publicURL), let scheme = components.scheme, let host = components.host {
            origins.append("\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? ""))
        }
        return origins
    }
}

extension EnvironmentReader {
    func mcpSettings() throws(ConfigError) -> MCPSettings {
        var settings = MCPSettings()
        settings.allowedHosts = list("DOCKET_MCP_ALLOWED_HOSTS")
        settings.allowedOrigins = list("DOCKET_MCP_ALLOWED_ORIGINS")
        settings.sessionIdleSeconds = try integer("DOCKET_MCP_SESSION_IDLE", default: 1800, in: 10...86_400)
        settings.maxSessions = try integer("DOCKET_MCP_MAX_SESSIONS", default: 1000, in: 1...100_000)
        settings.activityRetentionDays = try integer("DOCKET_AGENT_ACTIVITY_DAYS", default: 90, in: 1...3650)
        return settings
    }

    private func list(_ name: String) -> [String]? {
        guard let text = values[name], !text.isEmpty else { return nil }
        return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
