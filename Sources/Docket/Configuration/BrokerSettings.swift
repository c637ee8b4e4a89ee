import DocketRedis

/// Where events travel besides the outbox: `database` (the default: Docket's own consumers read the outbox) or a Redis
/// stream, when `DOCKET_BROKER_URL` is set.
///
/// Environment variables:
/// - `DOCKET_BROKER_URL`: `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS); unset keeps the database
///   transport.
/// - `DOCKET_BROKER_CA_FILE`: PEM certificate authorities to trust for `rediss://` instead of the system's.
/// - `DOCKET_BROKER_STREAM` (default `docket:events`): the stream's key.
/// - `DOCKET_BROKER_STREAM_MAXLEN` (default 1000000): entries the stream keeps (approximately; older ones are trimmed).
/// - `DOCKET_BROKER_MAX_BACKLOG` (default 100000): unpublished events past which `/ready` reports not-ready and
///   `event_relay_backlog_exceeded` is 1.
/// - `DOCKET_RELAY_LEASE_SECONDS` (default 10): how long the relay's lease lasts without renewal; another node takes
///   over publishing that long after the holder died.
public struct BrokerSettings: Sendable, Equatable {
    public var endpoint: RedisEndpoint
    public var stream = "docket:events"
    public var streamMaxLength = 1_000_000
    public var maxBacklog = 100_000
    public var leaseSeconds = 10

    /// Settings for the broker at `endpoint`, otherwise as documented.
    public init(endpoint: RedisEndpoint) {
        self.endpoint = endpoint
    }
}

/// How Docket's own event consumers are fed and retried.
///
/// Environment variables:
/// - `DOCKET_CONSUMER_MAX_ATTEMPTS` (default 5): attempts at one message before it becomes a dead letter.
/// - `DOCKET_CONSUMER_RETRY_SECONDS` (default 5): how long a failed message waits before it is tried again.
/// - `DOCKET_CONSUMER_MISSED_AFTER_SECONDS` (default 30): with a broker, how long a published event may stay
///   unprocessed before it counts as lost by the broker and is applied from the outbox (longer than the retries of a
///   failing message, 5 × 5 s by default, so that one is not applied twice over).
public struct ConsumerSettings: Sendable, Equatable {
    public var maxAttempts = 5
    public var retryDelay: Duration = .seconds(5)
    public var missedAfter: Duration = .seconds(30)
    /// Whether this node runs Docket's consumers at all (tests and one-off commands turn them off).
    public var enabled = true

    /// Defaults as documented.
    public init() {}
}

extension EnvironmentReader {
    func brokerSettings() throws(ConfigError) -> BrokerSettings? {
        guard let url = values["DOCKET_BROKER_URL"], !url.isEmpty else { return nil }
        guard var endpoint = RedisEndpoint(url: url) else {
            throw ConfigError(variable: "DOCKET_BROKER_URL", problem: "expected redis://[user:password@]host[:port][/db] or rediss://…")
        }
        if let caFile = values["DOCKET_BROKER_CA_FILE"], !caFile.isEmpty { endpoint.caFile = caFile }
        var settings = BrokerSettings(endpoint: endpoint)
        if let stream = values["DOCKET_BROKER_STREAM"], !stream.isEmpty { settings.stream = stream }
        settings.streamMaxLength = try integer("DOCKET_BROKER_STREAM_MAXLEN", default: 1_000_000, in: 1000...1_000_000_000)
        settings.maxBacklog = try integer("DOCKET_BROKER_MAX_BACKLOG", default: 100_000, in: 1...1_000_000_000)
        settings.leaseSeconds = try integer("DOCKET_RELAY_LEASE_SECONDS", default: 10, in: 2...600)
        return settings
    }

    func consumerSettings() throws(ConfigError) -> ConsumerSettings {
        var settings = ConsumerSettings()
        settings.maxAttempts = try integer("DOCKET_CONSUMER_MAX_ATTEMPTS", default: 5, in: 1...100)
        settings.retryDelay = .seconds(try integer("DOCKET_CONSUMER_RETRY_SECONDS", default: 5, in: 1...3600))
        settings.missedAfter = .seconds(try integer("DOCKET_CONSUMER_MISSED_AFTER_SECONDS", default: 30, in: 1...86_400))
        return settings
    }
}
