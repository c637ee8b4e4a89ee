import Foundation
import Logging

/// Email verification and password reset: single-use, expiring tokens delivered by link.
struct EmailLinkService: Sendable {
    let users: UserStore
    let oneTimeTokens: OneTimeTokenStore
    let accounts: AccountService
    let mailer: any Mailer
    let audit: AuditLog
    let publicURL: String
    let verificationLifetime: Int
    let resetLifetime: Int

    /// Sends a verification link to the account's address unless it is already verified.
    func sendVerification(userID: UUID, logger: Logger) async throws {
        let user = try await accounts.account(id: userID, logger: logger)
        guard user.emailVerifiedAt == nil else { return }
        try await sendLink(
            to: user, purpose: .emailVerification, lifetime: verificationLifetime, path: "verify-email",
            subject: "Verify your email for Docket", confirmEndpoint: "/api/v1/auth/email-verification/confirm",
            instruction: "Confirm this address", logger: logger)
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

    /// Sends a reset link when the address belongs to an active account; says nothing either way.
    func sendPasswordReset(email: EmailAddress, origin: RequestOrigin, logger: Logger) async throws {
        guard let user = try await users.find(email: email, logger: logger), user.isActive else { return }
        try await sendLink(
            to: user, purpose: .passwordReset, lifetime: resetLifetime, path: "reset-password", subject: "Reset your Docket password",
            confirmEndpoint: "/api/v1/auth/password-reset/confirm", instruction: "Set a new password", logger: logger)
        await audit.record(.passwordResetRequested, userID: user.id, origin: origin, logger: logger)
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

    /// Issues a single-use token for `user` and mails the link that carries it; the token appears nowhere else.
    private func sendLink(
        to user: UserModel, purpose: OneTimeTokenPurpose, lifetime: Int, path: String, subject: String, confirmEndpoint: String,
        instruction: String, logger: Logger
    ) async throws {
        let token = try await oneTimeTokens.issue(userID: user.id!, purpose: purpose, lifetime: lifetime, logger: logger)
        let link = "\(publicURL)/\(path)?token=\(token)"
        try await mailer.send(
            MailMessage(
                to: user.email, subject: subject, body: "\(instruction) by sending the token in this link to POST \(confirmEndpoint):\n\(link)",
                link: link))
    }

    private static let invalidToken = AppError.validation([FieldError(pointer: "/token", message: "is invalid, used or expired")])
}
