import Foundation

/// Where the data lives: an embedded SQLite file or a PostgreSQL server.
public enum DatabaseLocation: Sendable, Equatable {
    /// A SQLite database file at this path.
    case sqlite(path: String)
    /// A PostgreSQL server, as a `postgres://` URL.
    case postgres(url: String)

    /// Why a database URL was refused.
    public struct InvalidURL: Error {
        /// A one-line explanation.
        public let reason: String
    }

    /// Parses `postgres://…`, `postgresql://…` or `sqlite://path`.
    public init(url: String) throws(InvalidURL) {
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else {
                throw InvalidURL(reason: "is not a valid postgres://user:password@host:port/database URL")
            }
            guard components.path.count > 1 else {
                throw InvalidURL(reason: "names no database (expected postgres://user:password@host:port/database)")
            }
            self = .postgres(url: url)
        } else if url.hasPrefix("sqlite://") {
            let path = String(url.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw InvalidURL(reason: "names no SQLite file (expected sqlite://path/to/file)") }
            self = .sqlite(path: path)
        } else {
            throw InvalidURL(reason: "must start with postgres:// or sqlite://")
        }
    }

    /// The backend's name as shown to clients and in logs.
    public var kind: String {
        switch self {
        case .sqlite: "sqlite"
        case .postgres: "postgres"
        }
    }

    /// The location with any password replaced, safe to log.
    public var redacted: String {
        switch self {
        case .sqlite(let path): return "sqlite://\(path)"
        case .postgres(let url):
            guard var components = URLComponents(string: url) else { return "postgres://…" }
            if components.password != nil { components.password = "***" }
            return components.string ?? "postgres://…"
        }
    }
}
