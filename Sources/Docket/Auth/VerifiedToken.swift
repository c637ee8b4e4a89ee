import Foundation

/// What a verified access token says: whose it is, which session it belongs to, and when it was issued and expires.
struct VerifiedToken: Sendable {
    let userID: UUID
    let sessionID: UUID
    let issuedAt: Date
    let expiresAt: Date
}
