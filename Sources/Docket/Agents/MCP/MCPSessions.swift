import Foundation
import MCP

/// This node's MCP sessions. Idle sessions are closed after the configured time and the least recently used go first
/// past the cap, so abandoned clients cannot grow memory without bound.
actor MCPSessions {
    private var sessions: [String: MCPSession] = [:]
    private let idleSeconds: TimeInterval
    private let maxSessions: Int
    private var lastSweep = Date()

    init(idleSeconds: Int, maxSessions: Int) {
        self.idleSeconds = TimeInterval(idleSeconds)
        self.maxSessions = maxSessions
    }

    /// The live session `id`, marked as used now.
    func session(_ id: String) async -> MCPSession? {
        await sweep()
        guard var session = sessions[id] else { return nil }
        session.lastUsed = Date()
        sessions[id] = session
        return session
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
        await session.transport.disconnect()
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
