import Foundation

/// Hands out the access token for each request and refreshes it when it has expired or was refused: one refresh at a
/// time, every concurrent caller waits for that one, and its result is saved before anyone uses it.
actor SessionManager {
    /// Exchanges a refresh token for new credentials (the server rotates it: the old one is spent).
    typealias Refresher = @Sendable (_ refreshToken: String) async throws -> DocketCredentials

    private let store: any DocketTokenStore
    private let refresher: Refresher
    private let now: @Sendable () -> Date
    private var credentials: DocketCredentials?
    private var loaded = false
    private var refreshing: Task<DocketCredentials, any Error>?
    /// How many refreshes this session has performed (what `DocketClient.refreshCount` reports).
    private(set) var refreshCount = 0

    init(store: any DocketTokenStore, refresher: @escaping Refresher, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.refresher = refresher
        self.now = now
    }

    /// The stored credentials, read once from the store.
    func current() async throws -> DocketCredentials? {
        if !loaded {
            credentials = try await store.load()
            loaded = true
        }
        return credentials
    }

    /// Replaces the credentials (sign-in, sign-out) and saves them.
    func replace(with new: DocketCredentials?) async throws {
        refreshing = nil
        credentials = new
        loaded = true
        try await store.save(new)
    }

    /// The access token to send now, refreshed first if it is about to expire.
    func accessToken() async throws -> String {
        guard let credentials = try await current() else {
            throw DocketClientError.signedOut(reason: "not signed in")
        }
        if credentials.refreshToken != nil, credentials.isDue(at: now()) {
            return try await refresh(replacing: credentials.accessToken).accessToken
        }
        return credentials.accessToken
    }

    /// New credentials to use instead of `staleAccessToken`: the ones another caller already obtained, the refresh
    /// already in flight, or a refresh started now.
    func refresh(replacing staleAccessToken: String) async throws -> DocketCredentials {
        if let refreshing { return try await refreshing.value }
        guard let credentials = try await current() else {
            throw DocketClientError.signedOut(reason: "not signed in")
        }
        if let refreshing { return try await refreshing.value }
        if credentials.accessToken != staleAccessToken { return credentials }
        guard let refreshToken = credentials.refreshToken else {
            throw DocketClientError.signedOut(reason: "the access token was refused and cannot be refreshed")
        }
        let attempt = Task { try await self.exchange(refreshToken) }
        refreshing = attempt
        defer { refreshing = nil }
        return try await attempt.value
    }

    private func exchange(_ refreshToken: String) async throws -> DocketCredentials {
        refreshCount += 1
        do {
            let fresh = try await refresher(refreshToken)
            credentials = fresh
            try await store.save(fresh)
            return fresh
        } catch let problem as DocketProblem where problem.status == 401 {
            credentials = nil
            try? await store.save(nil)
            throw DocketClientError.signedOut(reason: problem.detail ?? "the session has ended; sign in again")
        }
    }
}
