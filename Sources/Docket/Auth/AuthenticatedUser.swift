import Foundation

/// The caller behind a verified access token.
struct AuthenticatedUser: Sendable {
    let id: UUID
    /// The role as stored now (not as stamped into the token), so a demotion takes effect within the cache lifetime.
    let role: UserRole
}
