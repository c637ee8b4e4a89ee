import FluentKit
import Foundation
import Logging

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
}

/// Who and where a request came from, for audit rows.
struct RequestOrigin: Sendable {
    let ip: String?
    let userAgent: String?
    let requestID: String?
}

/// Appends security events to the `audit_events` table. Never given a password or token.
struct AuditLog: Sendable {
    let database: DocketDatabase

    /// Records `type` about `userID` (when known), with where the request came from.
    func record(_ type: AuditEventType, userID: UUID?, origin: RequestOrigin, details: String? = nil, logger: Logger) async {
        let event = AuditEventModel()
        event.id = UUID()
        event.eventType = type.rawValue
        event.userID = userID
        event.ip = origin.ip
        event.userAgent = origin.userAgent.map { String($0.prefix(512)) }
        event.requestID = origin.requestID
        event.details = details
        event.createdAt = Date()
        do {
            try await event.create(on: database.database(logger: logger))
        } catch {
            // The audit log must not turn a user's request into a failure; the event still reaches the logs.
            logger.error("audit event not stored", metadata: ["event": .string(type.rawValue), "error": .string(DatabaseFailure.describe(error))])
        }
        logger.info("audit", metadata: ["event": .string(type.rawValue), "user_id": .string(userID?.uuidString.lowercased() ?? "-")])
    }
}
