import Foundation

/// Where and how to reach Redis: `redis://[user[:password]@]host[:port][/db]`, or `rediss://…` for TLS.
public struct RedisEndpoint: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    public var database: Int
    public var tls: Bool
    /// A PEM file of certificate authorities to trust instead of the system's (TLS only).
    public var caFile: String?

    public init(
        host: String, port: Int = 6379, username: String? = nil, password: String? = nil, database: Int = 0, tls: Bool = false, caFile: String? = nil
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.caFile = caFile
    }

    /// Parses a `redis://` or `rediss://` URL; nil for anything else.
    public init?(url text: String) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), scheme == "redis" || scheme == "rediss",
            let host = components.host, !host.isEmpty
        else { return nil }
        let port = components.port ?? 6379
        guard (1...65535).contains(port) else { return nil }
        var database = 0
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if !path.isEmpty {
            guard let number = Int(path), (0...1023).contains(number) else { return nil }
            database = number
        }
        let user = components.user?.removingPercentEncoding.flatMap { $0.isEmpty ? nil : $0 }
        let password = components.password?.removingPercentEncoding
        self.init(host: host, port: port, username: password == nil ? nil : user, password: password, database: database, tls: scheme == "rediss")
    }

    /// The URL without its password, for logs.
    public var redacted: String {
        let credentials = password == nil ? "" : (username.map { "\($0):***@" } ?? "***@")
        return "\(tls ? "rediss" : "redis")://\(credentials)\(host):\(port)/\(database)"
    }
}
