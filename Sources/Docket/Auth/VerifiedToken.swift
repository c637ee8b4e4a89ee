import Foundation

/// What a verified access token says: whose it is and when it was issued and expires.
struct VerifiedToken: Sendable {
    let userID: UUID
    let issuedAt: Date
    let expiresAt: Date
}
