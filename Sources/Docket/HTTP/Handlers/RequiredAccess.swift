/// What an operation demands of the caller's credential.
enum RequiredAccess: Sendable {
    /// A session access token, or a personal access token holding this scope.
    case scope(TokenScope)
    /// A session access token only: account management refuses personal access tokens.
    case session
}
