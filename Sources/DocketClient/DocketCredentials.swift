import Foundation

/// The tokens a client signs its requests with: a short-lived access token and, for a signed-in session, the
/// single-use refresh token that replaces it (a personal access token has none).
public struct DocketCredentials: Sendable, Codable, Equatable {
    /// The bearer token.
    public var accessToken: String
    /// When to stop using the access token and refresh it: a little before the server's expiry, so a token does not
    /// expire on its way there (a personal access token: `.distantFuture`).
    public var accessTokenExpiresAt: Date
    /// The rotating refresh token of a signed-in session.
    public var refreshToken: String?

    /// Credentials as stored.
    public init(accessToken: String, accessTokenExpiresAt: Date, refreshToken: String?) {
        self.accessToken = accessToken
        self.accessTokenExpiresAt = accessTokenExpiresAt
        self.refreshToken = refreshToken
    }

    /// Whether the access token is due for a refresh at `now`.
    func isDue(at now: Date) -> Bool {
        accessTokenExpiresAt <= now
    }

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case accessTokenExpiresAt = "access_token_expires_at"
        case refreshToken = "refresh_token"
    }
}

/// Where a client keeps its credentials between calls: in memory by default; the Keychain on Apple platforms or a
/// 0600 file (what the `docket` CLI uses) are the caller's choice. Every refresh is saved at once, because the
/// previous refresh token stops working the moment a new one is issued.
public protocol DocketTokenStore: Sendable {
    /// The stored credentials, or nil when signed out.
    func load() async throws -> DocketCredentials?
    /// Replaces the stored credentials (nil: forget them).
    func save(_ credentials: DocketCredentials?) async throws
}

/// Credentials kept for the lifetime of the process.
public actor InMemoryTokenStore: DocketTokenStore {
    private var credentials: DocketCredentials?

    /// A store holding `credentials` (none by default).
    public init(_ credentials: DocketCredentials? = nil) {
        self.credentials = credentials
    }

    public func load() -> DocketCredentials? { credentials }

    public func save(_ credentials: DocketCredentials?) { self.credentials = credentials }
}
