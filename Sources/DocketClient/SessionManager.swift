import Foundation

/// Hands out the access token for each request and refreshes it when it has expired or was refused: one refresh at a
/// time, every concurrent caller waits for that one, and its result is saved before anyone uses it.
actor SessionManager {
    /// Exchanges a refresh token for new credentials (the server rotates it: the old one is spent).
    typealias Refresher = @Sendable (_ refreshToken: String) async throws -> DocketCredentials

    /// A refresh in flight, and the session it belongs to.
    private struct Attempt {
        let id: UUID
        let task: Task<DocketCredentials, any Error>
    }

    private let store: any DocketTokenStore
    private let refresher: Refresher
    private let now: @Sendable () -> Date
    private var credentials: DocketCredentials?
    private var loading: Task<DocketCredentials?, any Error>?
    private var loaded = false
    /// Grows with every sign-in and sign-out, so a refresh that finishes after one does not bring the old session back.
    private var generation = 0
    private var refreshing: Attempt?
    /// How many refreshes this session has performed (what `DocketClient.refreshCount` reports).
    private(set) var refreshCount = 0

    init(store: any DocketTokenStore, refresher: @escaping Refresher, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.refresher = refresher
        self.now = now
    }

    /// The stored credentials, read from the store once (concurrent first callers share that one read).
    func current() async throws -> DocketCredentials? {
        if loaded { return credentials }
        let read = loading ?? Task { [store] in try await store.load() }
        loading = read
        let value = try await read.value
        if !loaded {
            credentials = value
            loaded = true
        }
        return credentials
    }

    /// Replaces the credentials (sign-in, sign-out) and saves them; a refresh still in flight is disowned.
    func replace(with new: DocketCredentials?) async throws {
        generation += 1
        refreshing = nil
        credentials = new
        loaded = true
        try await store.save(new)
    }

    /// The access token to send now, refreshed first if it is due.
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
        guard let credentials = try await current() else {
            throw DocketClientError.signedOut(reason: "not signed in")
        }
        if let refreshing { return try await refreshing.task.value }
        if credentials.accessToken != staleAccessToken { return credentials }
        guard let refreshToken = credentials.refreshToken else {
            throw DocketClientError.signedOut(reason: "the access token was refused and cannot be refreshed")
        }
        let generation = self.generation
        let attempt = Attempt(id: UUID(), task: Task { try await self.exchange(refreshToken, generation: generation) })
        refreshing = attempt
        defer {
            if refreshing?.id == attempt.id { refreshing = nil }
        }
        return try await attempt.task.value
    }

    /// Performs one refresh and keeps its result, unless the session changed meanwhile.
    private func exchange(_ refreshToken: String, generation: Int) async throws -> DocketCredentials {
        refreshCount += 1
        let fresh: DocketCredentials
        do {
            fresh = try await refresher(refreshToken)
        } catch let problem as DocketProblem where problem.status == 401 {
            if generation == self.generation {
                self.generation += 1
                credentials = nil
                try? await store.save(nil)
            }
            throw DocketClientError.signedOut(reason: problem.detail ?? "the session has ended; sign in again")
        }
        guard generation == self.generation else {
            throw DocketClientError.signedOut(reason: "signed in or out while the token was being refreshed")
        }
        credentials = fresh
        try await store.save(fresh)
        return fresh
    }
}
