import Foundation
import MCP

/// One MCP session: its SDK server and transport, and whose credential opened it (later requests must present the same).
struct MCPSession: Sendable {
    let id: String
    let server: Server
    /// Its Streamable HTTP transport; nil for `docket mcp`'s one stdio session.
    let transport: MCPSessionTransport?
    /// The account the session acts for.
    let userID: UUID
    /// `token:<id>` for a personal access token, `session:<user id>` for a signed-in session's access tokens.
    let credentialKey: String
    var clientName: String?
    var clientVersion: String?
    var lastUsed: Date
    /// Asks whether the credential of the session's latest request still holds (the session closes once it does not).
    var watch: CredentialWatch
    /// Progress-following calls running in this session.
    var follows = 0

    /// The key that binds a session to the credential that opened it: a personal access token, or one sign-in session
    /// (`sid`), so another sign-in of the same account cannot use it.
    static func credentialKey(of caller: AuthenticatedUser) -> String {
        switch caller.credential {
        case .session(let id): "session:\(id.uuidString.lowercased())"
        case .personalAccessToken(let id, _): "token:\(id.uuidString.lowercased())"
        }
    }
}
