import Foundation

/// The caller behind a verified bearer token, and what the token lets them do.
struct AuthenticatedUser: Sendable {
    let id: UUID
    /// The role as stored now (not as stamped into the token), so a demotion takes effect within the cache lifetime.
    let role: UserRole
    /// How the caller proved who they are.
    let credential: Credential

    /// A signed-in session's access token (with the session's id, `sid`), or a personal access token limited to its
    /// scopes.
    enum Credential: Sendable, Equatable {
        case session(id: UUID)
        case personalAccessToken(id: UUID, scopes: Set<TokenScope>)
    }

    /// The sign-in session behind a session access token (nil for a personal access token).
    var sessionID: UUID? {
        guard case .session(let id) = credential else { return nil }
        return id
    }

    /// Whether the credential allows what `scope` names (a session allows everything a user may do).
    func holds(_ scope: TokenScope) -> Bool {
        switch credential {
        case .session: true
        case .personalAccessToken(_, let scopes): scopes.contains(scope)
        }
    }
}
