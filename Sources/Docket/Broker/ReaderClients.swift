import DocketRedis
import Logging

/// One Redis connection per blocking reader, made on first use.
actor ReaderClients {
    private let endpoint: RedisEndpoint
    private let logger: Logger
    private var clients: [String: RedisClient] = [:]

    init(endpoint: RedisEndpoint, logger: Logger) {
        self.endpoint = endpoint
        self.logger = logger
    }

    func client(for name: String) throws -> RedisClient {
        if let client = clients[name] { return client }
        let client = try RedisClient(endpoint: endpoint, commandTimeout: .seconds(5), logger: logger)
        clients[name] = client
        return client
    }

    func closeAll() async {
        for client in clients.values { await client.close() }
        clients = [:]
    }
}
