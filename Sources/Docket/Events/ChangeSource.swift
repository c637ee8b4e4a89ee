import Foundation

/// Who made a change and in which request: stamped on every event the change produces.
struct ChangeSource: Sendable, Equatable {
    /// The kind of actor, as `actortype` says on the wire.
    enum Kind: String, Sendable {
        case user, token, mcp, admin, job, system
    }

    var kind: Kind
    /// The user (user, admin), the personal access token (token, mcp) or the job (job).
    var id: UUID?
    /// The MCP tool that made the change.
    var tool: String?
    /// The request's `X-Request-ID`.
    var requestID: String?

    /// A change made by a background job.
    static func job(_ id: UUID) -> ChangeSource { ChangeSource(kind: .job, id: id) }
    /// A change made by the operator's command line.
    static let system = ChangeSource(kind: .system)

    /// The source of a request by `caller`: a session is the user, a personal access token is the token.
    static func caller(_ caller: AuthenticatedUser, requestID: String?) -> ChangeSource {
        switch caller.credential {
        case .session: ChangeSource(kind: .user, id: caller.id, requestID: requestID)
        case .personalAccessToken(let id, _): ChangeSource(kind: .token, id: id, requestID: requestID)
        }
    }

    /// The same caller acting through an MCP tool.
    func viaTool(_ name: String) -> ChangeSource {
        var source = self
        source.kind = .mcp
        source.tool = name
        return source
    }
}
