/// The kinds of security event the audit log records.
enum AuditEventType: String, Sendable {
    case registered
    case loginSucceeded = "login_succeeded"
    case loginFailed = "login_failed"
    case refreshTokenReused = "refresh_token_reused"
    case loggedOut = "logged_out"
    case loggedOutEverywhere = "logged_out_everywhere"
    case passwordChanged = "password_changed"
    case passwordResetRequested = "password_reset_requested"
    case passwordReset = "password_reset"
    case emailVerified = "email_verified"
    case accountDeactivated = "account_deactivated"
    case accountReactivated = "account_reactivated"
    case roleChanged = "role_changed"
    case rateLimited = "rate_limited"
    case crossUserAccess = "cross_user_access"
    case accessTokenCreated = "access_token_created"
    case accessTokenRevoked = "access_token_revoked"
    case accessTokenNewAddress = "access_token_new_address"
    case webhookCreated = "webhook_created"
    case webhookSecretRotated = "webhook_secret_rotated"
    case webhookDisabled = "webhook_disabled"
}
