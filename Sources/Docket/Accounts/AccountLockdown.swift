import Foundation
import Logging

/// Ends the credentials that outlive a sign-in when an account's sign-ins are in doubt (password changed, signed out
/// everywhere, a refresh token reused, deactivated): every personal access token is revoked and every enabled webhook
/// disabled, each with a `webhook.disabled` event saying why. The owner re-enables webhooks after signing in again.
struct AccountLockdown: Sendable {
    let personalTokens: PersonalAccessTokenStore
    let webhooks: WebhookStore
    let disabler: WebhookDisabler

    /// Why an account is locked down, as `webhook.disabled` and the audit log say it.
    enum Reason: String, Sendable {
        case passwordChanged = "the account's password changed"
        case signedOutEverywhere = "the account was signed out everywhere"
        case refreshTokenReused = "a refresh token of the account was used twice (it may be stolen)"
        case deactivated = "the account was deactivated"
    }

    /// Revokes `userID`'s personal access tokens and disables its enabled webhooks; returns how many tokens were revoked.
    @discardableResult
    func apply(to userID: UUID, because reason: Reason, logger: Logger) async throws -> Int {
        let revoked = try await personalTokens.revokeAll(owner: userID, logger: logger)
        for hook in try await webhooks.list(owner: userID, logger: logger) where hook.enabled {
            try await disabler.disable(hook, reason: reason.rawValue, logger: logger)
        }
        return revoked
    }
}
