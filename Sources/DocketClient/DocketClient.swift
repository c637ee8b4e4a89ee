import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Docket from Swift: sign in once, then call the API with typed values; tokens are kept in a `DocketTokenStore`
/// and refreshed automatically, failures arrive as `DocketProblem` or `DocketClientError`.
///
/// ```swift
/// let docket = DocketClient(baseURL: URL(string: "https://docket.example.com")!)
/// try await docket.signIn(email: "ada@example.com", password: "correct horse battery")
/// for try await task in docket.tasks(status: [.todo]) { print(task.title) }
/// ```
public final class DocketClient: Sendable {
    /// The server's address, e.g. `https://docket.example.com`.
    public let baseURL: URL
    /// How many times a create is sent again, with the same `Idempotency-Key`, after the connection broke.
    public let createRetries: Int
    let session: SessionManager
    /// The generated client, signing every request with the session's token.
    let api: Client
    /// The generated client without credentials (sign-in, registration, refresh).
    let anonymous: Client

    /// A client for the server at `baseURL`, keeping its credentials in `tokenStore`.
    ///
    /// - Parameters:
    ///   - transport: how requests travel; `platformTransport()` (AsyncHTTPClient on Linux, URLSession on Apple
    ///     platforms) when nil.
    ///   - middlewares: run around every request made with the session's token (never around sign-in, registration
    ///     or refresh, which carry the password and the refresh token), innermost last.
    public init(
        baseURL: URL, tokenStore: any DocketTokenStore = InMemoryTokenStore(), transport: (any ClientTransport)? = nil,
        middlewares: [any ClientMiddleware] = [], createRetries: Int = 2
    ) {
        let transport = TransportFailureMarker(base: transport ?? Self.platformTransport())
        let anonymous = Client(
            serverURL: baseURL, configuration: Self.configuration, transport: transport, middlewares: [ProblemMiddleware()])
        let session = SessionManager(store: tokenStore) { refreshToken in
            try await Self.unwrapping {
                let pair = try await anonymous.refreshTokens(body: .json(.init(refreshToken: refreshToken))).ok.body.json
                return DocketCredentials(pair)
            }
        }
        self.baseURL = baseURL
        self.createRetries = max(0, createRetries)
        self.session = session
        self.anonymous = anonymous
        self.api = Client(
            serverURL: baseURL, configuration: Self.configuration, transport: transport,
            middlewares: [ProblemMiddleware(), BearerTokenMiddleware(session: session), MergePatchMiddleware()] + middlewares)
    }

    /// A client that signs every request with a personal access token (scripts, CI, agents); it never refreshes.
    public convenience init(baseURL: URL, accessToken: String, transport: (any ClientTransport)? = nil) {
        self.init(
            baseURL: baseURL,
            tokenStore: InMemoryTokenStore(
                DocketCredentials(accessToken: accessToken, accessTokenExpiresAt: .distantFuture, refreshToken: nil)),
            transport: transport)
    }

    /// Dates with or without fractional seconds, as the server writes them.
    static let configuration = Configuration(dateTranscoder: RFC3339DateTranscoder())

    // MARK: Session

    /// Signs in and keeps the session's tokens; returns the account.
    @discardableResult
    public func signIn(email: String, password: String) async throws -> DocketUser {
        let pair = try await Self.unwrapping {
            try await anonymous.login(body: .json(.init(email: email, password: password))).ok.body.json
        }
        try await session.replace(with: DocketCredentials(pair))
        return pair.user
    }

    /// Creates an account, signs in to it and keeps the session's tokens.
    @discardableResult
    public func register(email: String, password: String, name: String) async throws -> DocketUser {
        let pair = try await Self.unwrapping {
            try await anonymous.register(body: .json(.init(email: email, password: password, name: name))).created.body.json
        }
        try await session.replace(with: DocketCredentials(pair))
        return pair.user
    }

    /// Ends the session on the server (its refresh token stops working) and forgets the tokens; signing out when
    /// already signed out does nothing.
    public func signOut() async throws {
        guard let credentials = try await session.current() else { return }
        if let refreshToken = credentials.refreshToken {
            _ = try await Self.unwrapping {
                try await anonymous.logout(body: .json(.init(refreshToken: refreshToken))).noContent
            }
        }
        try await session.replace(with: nil)
    }

    /// Whether the client holds credentials (it may still find out the server ended the session).
    public var isSignedIn: Bool {
        get async throws { try await session.current() != nil }
    }

    /// How many token refreshes this client has performed.
    public var refreshCount: Int {
        get async { await session.refreshCount }
    }

    /// The signed-in account.
    public func currentUser() async throws -> DocketUser {
        try await Self.unwrapping { try await api.getCurrentUser().ok.body.json }
    }

    // MARK: Errors

    /// Runs a generated-client call, turning its wrapped errors back into `DocketProblem` / `DocketClientError`:
    /// problems and transport failures as they were thrown, cancellation as itself, anything else (a body that does
    /// not decode, a status or content type the contract does not list) as `unexpectedResponse`.
    static func unwrapping<Value>(_ call: () async throws -> Value) async throws -> Value {
        do {
            return try await call()
        } catch let error as ClientError {
            throw classify(error.underlyingError, status: error.response?.status.code, cause: error.causeDescription)
        } catch {
            throw classify(error, status: nil, cause: nil)
        }
    }

    private static func classify(_ error: any Error, status: Int?, cause: String?) -> any Error {
        switch error {
        case is DocketProblem, is DocketClientError, is CancellationError: return error
        default:
            let detail = [cause, "\(error)"].compactMap { $0 }.joined(separator: ": ")
            return DocketClientError.unexpectedResponse(status: status ?? 0, detail: detail)
        }
    }
}

extension DocketCredentials {
    /// Credentials from a token pair: the access token is due for a refresh a tenth of its lifetime (at most 5 s)
    /// before the server's expiry, counted from now.
    init(_ pair: Components.Schemas.TokenPair, now: Date = Date()) {
        let lifetime = TimeInterval(pair.expiresIn)
        self.init(
            accessToken: pair.accessToken, accessTokenExpiresAt: now.addingTimeInterval(lifetime - min(5, lifetime / 10)),
            refreshToken: pair.refreshToken)
    }
}
