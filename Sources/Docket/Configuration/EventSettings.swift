import Foundation

/// Settings of the event outbox, the live feed and webhooks.
///
/// Environment variables:
/// - `DOCKET_EVENT_RETENTION_DAYS` (default 7): how long events (and webhook delivery records) are kept; a feed cannot
///   resume from further back (410).
/// - `DOCKET_EVENTS_HEARTBEAT_SECONDS` (default 15): a comment line on an idle SSE stream (a ping on a WebSocket).
/// - `DOCKET_EVENTS_BUFFER` (default 256): events a stream may have waiting for its client; the stream then waits for
///   the client, and a client that takes nothing for `DOCKET_EVENTS_STALL_SECONDS` (default 10) is disconnected (it
///   resumes with `Last-Event-ID`).
/// - `DOCKET_EVENTS_STREAMS_PER_USER` (default 10) and `DOCKET_EVENTS_STREAMS_PER_NODE` (default 1000): open streams
///   allowed; more is a 429.
/// - `DOCKET_WEBHOOK_ALLOWED_TARGETS` (comma-separated CIDR ranges, each optionally `:port`; default none): private or
///   loopback addresses webhooks may nevertheless reach (e.g. `10.1.0.0/16` or `127.0.0.1/32:9000`).
/// - `DOCKET_WEBHOOK_TIMEOUT_SECONDS` (default 10): the whole delivery attempt, connection included.
/// - `DOCKET_WEBHOOK_MAX_ATTEMPTS` (default 15, about a day with the backoff): attempts per delivery before the
///   endpoint is disabled.
/// - `DOCKET_WEBHOOK_RETRY_BASE_MS` (default 30000): the delay after the first failed attempt; it doubles each time
///   (with jitter) up to three hours.
public struct EventSettings: Sendable {
    public var retentionDays = 7
    public var heartbeat: Duration = .seconds(15)
    public var bufferSize = 256
    public var stallTimeout: Duration = .seconds(10)
    public var streamsPerUser = 10
    public var streamsPerNode = 1000
    public var webhookAllowedTargets: [TargetRange] = []
    public var webhookTimeout: Duration = .seconds(10)
    public var webhookMaxAttempts = 15
    public var webhookRetryBase: Duration = .seconds(30)
    /// How webhook target names are resolved; nil is the system resolver (tests put in a table they can change).
    var hostResolver: (any AddressResolver)?

    /// Defaults as documented.
    public init() {}

    /// The backoff between delivery attempts.
    var webhookRetry: RetrySchedule {
        RetrySchedule(base: Double(webhookRetryBase.components.seconds) + Double(webhookRetryBase.components.attoseconds) / 1e18, cap: 3 * 3600)
    }
}

/// An address range a webhook may reach although it is not public, optionally only on one port.
public struct TargetRange: Sendable, Equatable {
    let range: IPRange
    let port: Int?

    /// Parses `10.0.0.0/8`, `127.0.0.1/32:9000` or `127.0.0.1:9000`.
    init?(_ text: String) {
        var address = text
        var port: Int?
        if let colon = text.lastIndex(of: ":"), text.filter({ $0 == ":" }).count == 1 {
            guard let number = Int(text[text.index(after: colon)...]), (1...65535).contains(number) else { return nil }
            port = number
            address = String(text[..<colon])
        }
        guard let range = IPRange(address) else { return nil }
        self.range = range
        self.port = port
    }

    /// Whether `address` on `port` is allowed by this entry.
    func allows(_ address: String, port: Int) -> Bool {
        range.contains(address) && (self.port == nil || self.port == port)
    }
}

extension EnvironmentReader {
    func eventSettings() throws(ConfigError) -> EventSettings {
        var settings = EventSettings()
        settings.retentionDays = try integer("DOCKET_EVENT_RETENTION_DAYS", default: 7, in: 1...3650)
        settings.heartbeat = .seconds(try integer("DOCKET_EVENTS_HEARTBEAT_SECONDS", default: 15, in: 1...300))
        settings.bufferSize = try integer("DOCKET_EVENTS_BUFFER", default: 256, in: 1...100_000)
        settings.stallTimeout = .seconds(try integer("DOCKET_EVENTS_STALL_SECONDS", default: 10, in: 1...3600))
        settings.streamsPerUser = try integer("DOCKET_EVENTS_STREAMS_PER_USER", default: 10, in: 1...10_000)
        settings.streamsPerNode = try integer("DOCKET_EVENTS_STREAMS_PER_NODE", default: 1000, in: 1...1_000_000)
        if let text = values["DOCKET_WEBHOOK_ALLOWED_TARGETS"], !text.isEmpty {
            for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
                guard let target = TargetRange(entry) else {
                    throw ConfigError(variable: "DOCKET_WEBHOOK_ALLOWED_TARGETS", problem: "\(entry) is not a CIDR range with an optional :port")
                }
                settings.webhookAllowedTargets.append(target)
            }
        }
        settings.webhookTimeout = .seconds(try integer("DOCKET_WEBHOOK_TIMEOUT_SECONDS", default: 10, in: 1...120))
        settings.webhookMaxAttempts = try integer("DOCKET_WEBHOOK_MAX_ATTEMPTS", default: 15, in: 1...100)
        settings.webhookRetryBase = .milliseconds(try integer("DOCKET_WEBHOOK_RETRY_BASE_MS", default: 30_000, in: 10...3_600_000))
        return settings
    }
}
