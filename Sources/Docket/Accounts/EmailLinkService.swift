import Foundation
import Logging

/// Email verification and password reset: single-use, expiring tokens delivered by link (mailed by `AccountEmailJob`).
struct EmailLinkService: Sendable {
    let users: UserStore
    let oneTimeTokens: OneTimeTokenStore
    let accounts: AccountService
    /// Where the emails are queued (`AccountEmailJob` sends them).
    let jobs: JobQueue
    let audit: AuditLog

    /// Queues a verification link to the account's address (sent unless it is verified by then).
    func sendVerification(userID: UUID, origin: RequestOrigin, logger: Logger) async throws {
        let payload = AccountEmailJob.Payload(
            purpose: OneTimeTokenPurpose.emailVerification.rawValue, userID: userID, email: nil, ip: origin.ip, requestID: origin.requestID)
        _ = try await jobs.enqueue(kind: AccountEmailJob.kind, payload: payload, owner: nil, logger: logger)
    }

    /// Marks the token's account verified.
    func confirmVerification(token: String, origin: RequestOrigin, logger: Logger) async throws {
        guard let userID = try await oneTimeTokens.consume(token, purpose: .emailVerification, logger: logger),
            let user = try await users.find(id: userID, logger: logger)
        else { throw Self.invalidToken }
        user.emailVerifiedAt = Date()
        try await users.save(user, logger: logger)
        await audit.record(.emailVerified, userID: userID, origin: origin, logger: logger)
    }

    /// Queues a reset link for the address: the job mails it when the address belongs to an active account. The
    /// request does the same work (one insert) whether or not it does, so neither the answer nor its timing tells.
    func sendPasswordReset(email: EmailAddress, origin: RequestOrigin, logger: Logger) async throws {
        let payload = AccountEmailJob.Payload(
            purpose: OneTimeTokenPurpose.passwordReset.rawValue, userID: nil, email: email.value, ip: origin.ip, requestID: origin.requestID)
        _ = try await jobs.enqueue(kind: AccountEmailJob.kind, payload: payload, owner: nil, logger: logger)
    }

    /// Sets a new password from a reset token and signs out every session.
    func resetPassword(token: String, newPassword: String, origin: RequestOrigin, logger: Logger) async throws {
        var errors: [FieldError] = []
        CredentialRules.password(newPassword, pointer: "/new_password", into: &errors)
        try CredentialRules.check(errors)
        guard let userID = try await oneTimeTokens.consume(token, purpose: .passwordReset, logger: logger),
            let user = try await users.find(id: userID, logger: logger), user.isActive
        else { throw Self.invalidToken }
        try await accounts.replacePassword(of: user, with: newPassword, logger: logger)
        await audit.record(.passwordReset, userID: userID, origin: origin, logger: logger)
    }

    private static let invalidToken = AppError.validation([FieldError(pointer: "/token", message: "is invalid, used or expired")])
}
