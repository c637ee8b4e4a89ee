import Foundation
import MCP
import ServiceLifecycle

/// This node's MCP sessions. Idle sessions are closed after the configured time and the least recently used go first
/// past the cap, so abandoned clients cannot grow memory without bound; as a service, it closes every `checkInterval`
/// the sessions whose credential has ended (signed out, revoked, expired, account deactivated), with their streams
/// and progress-following calls.
actor MCPSessions: Service {
    private var sessions: [String: MCPSession] = [:]
    private let idleSeconds: TimeInterval
    private let maxSessions: Int
    private let checkInterval: Duration
    private var lastSweep = Date()

    init(idleSeconds: Int, maxSessions: Int, checkInterval: Duration = .seconds(5)) {
        self.idleSeconds = TimeInterval(idleSeconds)
        self.maxSessions = maxSessions
        self.checkInterval = checkInterval
    }

    /// The live session `id`, marked as used now.
    func session(_ id: String) async -> MCPSession? {
        await sweep()
        guard var session = sessions[id] else { return nil }
        session.lastUsed = Date()
        sessions[id] = session
        return session
    }

    /// From now on session `id` is watched through the credential of its latest request (a client refreshing its
    /// access token keeps its session).
    func renew(_ id: String, watch: CredentialWatch) {
        sessions[id]?.watch = watch
    }

    /// Whether session `id` is still open.
    func isOpen(_ id: String) -> Bool { sessions[id] != nil }

    /// Progress-following calls one session, and one account on this node, may run at once; past them a call answers
    /// with its job as it stands, and the client asks `get_job` later.
    static let maxFollowsPerSession = 4
    static let maxFollowsPerUser = 16

    /// Takes a follow slot for session `id`, or returns false when the session or its account has none left.
    func beginFollow(_ id: String) -> Bool {
        guard let session = sessions[id], session.follows < Self.maxFollowsPerSession else { return false }
        let userFollows = sessions.values.reduce(0) { $0 + ($1.userID == session.userID ? $1.follows : 0) }
        guard userFollows < Self.maxFollowsPerUser else { return false }
        sessions[id]?.follows += 1
        return true
    }

    /// Gives a follow slot of session `id` back.
    func endFollow(_ id: String) {
        if let follows = sessions[id]?.follows, follows > 0 { sessions[id]?.follows = follows - 1 }
    }

    /// Every `checkInterval`, closes the sessions whose credential no longer holds; on shutdown, closes all.
    func run() async throws {
        let interval = checkInterval
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                await self.closeEnded()
            }
        }
        await closeAll()
    }

    /// Closes the sessions whose credential no longer holds.
    func closeEnded() async {
        for session in Array(sessions.values) where await !session.watch.holds() {
            await close(session.id)
        }
    }

    /// Sessions one account may hold on a node; past it the account's own least recently used closes, so one user
    /// opening sessions cannot push everyone else's out.
    static let maxSessionsPerUser = 20

    /// Keeps a new session, closing the least recently used when its account, or the node, has too many.
    func add(_ session: MCPSession) async {
        sessions[session.id] = session
        let own = sessions.values.filter { $0.userID == session.userID }
        if own.count > Self.maxSessionsPerUser, let oldest = own.min(by: { $0.lastUsed < $1.lastUsed }) {
            await close(oldest.id)
        }
        while sessions.count > maxSessions, let oldest = sessions.values.min(by: { $0.lastUsed < $1.lastUsed }) {
            await close(oldest.id)
        }
    }

    /// Records the client named in `initialize`.
    func noteClient(_ id: String, name: String, version: String) {
        sessions[id]?.clientName = name
        sessions[id]?.clientVersion = version
    }

    /// The client a session's `initialize` named.
    func client(of id: String) -> (name: String?, version: String?) {
        (sessions[id]?.clientName, sessions[id]?.clientVersion)
    }

    /// Closes and forgets session `id`.
    func close(_ id: String) async {
        guard let session = sessions.removeValue(forKey: id) else { return }
        await session.server.stop()
        await session.transport?.disconnect()
    }

    /// Closes every session (on shutdown).
    func closeAll() async {
        for id in Array(sessions.keys) { await close(id) }
    }

    /// How many sessions are open.
    var count: Int { sessions.count }

    private func sweep() async {
        let now = Date()
        guard now.timeIntervalSince(lastSweep) > 10 else { return }
        lastSweep = now
        for session in sessions.values where now.timeIntervalSince(session.lastUsed) > idleSeconds { await close(session.id) }
    }
}
