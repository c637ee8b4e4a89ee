import Foundation
import Logging

/// Runs `send_account_email`: looks the account up, issues a fresh single-use token (older ones of that purpose stop
/// working) and mails the link. Requests only enqueue this job, so asking for a reset of an unknown address does the
/// same work on the request path as asking for a real one, and a slow or failing mail server never shows in the
/// response (the job retries it with backoff).
struct AccountEmailJob: JobHandler {
    static let kind = "send_account_email"
    var kind: String { Self.kind }
    let users: UserStore
    let oneTimeTokens: OneTimeTokenStore
    let mailer: any Mailer
    let audit: AuditLog
    let publicURL: String
    let verificationLifetime: Int
    let resetLifetime: Int

    /// What the request asked for: a verification link for an account, or a reset link for an address.
    struct Payload: Codable, Sendable {
        let purpose: String
        let userID: UUID?
        let email: String?
        let ip: String?
        let requestID: String?
    }

    func run(_ job: JobRecord, context: JobContext) async throws -> String {
        guard let payload = try? JSONDecoder().decode(Payload.self, from: Data(job.payload.utf8)),
            let purpose = OneTimeTokenPurpose(rawValue: payload.purpose)
        else { throw JobFailure.permanent("unreadable payload") }
        let logger = context.logger
        switch purpose {
        case .emailVerification:
            guard let id = payload.userID, let user = try await users.find(id: id, logger: logger), user.isActive, user.emailVerifiedAt == nil
            else { return #"{"sent":false}"# }
            try await sendLink(
                to: user, purpose: .emailVerification, lifetime: verificationLifetime, path: "verify-email",
                subject: "Verify your email for Docket", confirmEndpoint: "/api/v1/auth/email-verification/confirm",
                instruction: "Confirm this address", logger: logger)
        case .passwordReset:
            guard let email = payload.email, let user = try await users.find(email: EmailAddress(email), logger: logger), user.isActive
            else { return #"{"sent":false}"# }
            try await sendLink(
                to: user, purpose: .passwordReset, lifetime: resetLifetime, path: "reset-password", subject: "Reset your Docket password",
                confirmEndpoint: "/api/v1/auth/password-reset/confirm", instruction: "Set a new password", logger: logger)
            let origin = RequestOrigin(ip: payload.ip, userAgent: nil, requestID: payload.requestID)
            await audit.record(.passwordResetRequested, userID: user.id, origin: origin, logger: logger)
        }
        return #"{"sent":true}"#
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
}
