import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// A Redis client on one connection: commands from any number of tasks are pipelined on it, a lost connection is
/// replaced on the next command (after a backoff that grows with each failed attempt), and AUTH, SELECT and TLS are
/// applied to every new connection. A command in flight when the connection drops fails with `connectionLost`; the
/// caller decides whether to repeat it. Blocking commands (`XREADGROUP … BLOCK`) hold up the commands behind them, so
/// give them a client of their own.
public actor RedisClient {
    public nonisolated let endpoint: RedisEndpoint
    private let group: any EventLoopGroup
    private let limits: RESPLimits
    private let commandTimeout: Duration
    private let connectTimeout: Duration
    private let backoff: ReconnectBackoff
    private let tlsContext: NIOSSLContext?
    private let logger: Logger

    private var connection: RedisConnection?
    private var connecting: Task<RedisConnection, any Error>?
    private var failedAttempts = 0
    private var retryAt: ContinuousClock.Instant?
    private var isClosed = false

    /// A client for `endpoint`; nothing connects until the first command.
    public init(
        endpoint: RedisEndpoint, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, limits: RESPLimits = RESPLimits(),
        commandTimeout: Duration = .seconds(5), connectTimeout: Duration = .seconds(2), backoff: ReconnectBackoff = ReconnectBackoff(),
        logger: Logger
    ) throws {
        self.endpoint = endpoint
        self.group = eventLoopGroup
        self.limits = limits
        self.commandTimeout = commandTimeout
        self.connectTimeout = connectTimeout
        self.backoff = backoff
        self.logger = logger
        if endpoint.tls {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let caFile = endpoint.caFile {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            }
            tlsContext = try NIOSSLContext(configuration: configuration)
        } else {
            tlsContext = nil
        }
    }

    /// Sends `commands` in one pipelined write and returns one reply per command, error replies included as values.
    /// `extraTime` lengthens the deadline (a blocking read's own wait).
    public func pipeline(_ commands: [RedisCommand], extraTime: Duration = .zero) async throws(RedisError) -> [RESPValue] {
        let connection = try await connected()
        do {
            return try await connection.send(commands, timeout: Self.timeAmount(commandTimeout + extraTime))
        } catch {
            if !connection.isActive, self.connection?.channel === connection.channel { self.connection = nil }
            throw error as? RedisError ?? .connectionLost("\(error)")
        }
    }

    /// Sends one command and returns its reply; an error reply is thrown as `RedisError.server`.
    @discardableResult
    public func send(_ command: RedisCommand, extraTime: Duration = .zero) async throws(RedisError) -> RESPValue {
        let reply = try await pipeline([command], extraTime: extraTime)[0]
        if case .error(let message) = reply { throw .server(message) }
        return reply
    }

    /// Closes the connection; every later command fails with `closed`.
    public func close() async {
        isClosed = true
        connecting?.cancel()
        connecting = nil
        if let connection { await connection.close() }
        connection = nil
    }

    private func connected() async throws(RedisError) -> RedisConnection {
        guard !isClosed else { throw .closed }
        if let connection, connection.isActive { return connection }
        connection = nil
        let attempt: Task<RedisConnection, any Error>
        if let connecting {
            attempt = connecting
        } else {
            attempt = Task { try await self.establish() }
            connecting = attempt
        }
        do {
            let made = try await attempt.value
            if connecting == attempt { connecting = nil }
            return made
        } catch {
            if connecting == attempt { connecting = nil }
            throw error as? RedisError ?? .connectionLost("\(error)")
        }
    }

    /// Waits out the backoff, connects, authenticates and selects the database.
    private func establish() async throws -> RedisConnection {
        if let retryAt { try await Task.sleep(until: retryAt, clock: .continuous) }
        do {
            let channel = try await bootstrap().connect(host: endpoint.host, port: endpoint.port).get()
            let made = RedisConnection(channel: channel)
            var handshake: [RedisCommand] = []
            if let password = endpoint.password {
                handshake.append(RedisCommand("AUTH", (endpoint.username.map { [$0] } ?? []) + [password]))
            }
            if endpoint.database != 0 { handshake.append(RedisCommand("SELECT", [String(endpoint.database)])) }
            let replies = try await made.send(handshake, timeout: Self.timeAmount(commandTimeout))
            for case .error(let message) in replies {
                await made.close()
                throw RedisError.server(message)
            }
            guard !isClosed else {
                await made.close()
                throw RedisError.closed
            }
            if failedAttempts > 0 { logger.notice("redis connection restored", metadata: ["redis": .string(endpoint.redacted)]) }
            failedAttempts = 0
            retryAt = nil
            connection = made
            return made
        } catch {
            failedAttempts += 1
            let delay = backoff.delay(after: failedAttempts)
            retryAt = .now + delay
            logger.warning(
                "redis connection failed",
                metadata: ["redis": .string(endpoint.redacted), "attempt": "\(failedAttempts)", "error": .string("\(error)"), "retry_in": "\(delay)"])
            throw error as? RedisError ?? RedisError.connectionLost("\(error)")
        }
    }

    private func bootstrap() -> ClientBootstrap {
        let limits = self.limits
        let tlsContext = self.tlsContext
        let host = endpoint.host
        let serverName: String? = host.contains(":") || host.split(separator: ".").allSatisfy({ Int($0) != nil }) ? nil : host
        return ClientBootstrap(group: group)
            .connectTimeout(Self.timeAmount(connectTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tlsContext {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: serverName))
                    }
                    try channel.pipeline.syncOperations.addHandler(RedisPipelineHandler(limits: limits))
                }
            }
    }

    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
