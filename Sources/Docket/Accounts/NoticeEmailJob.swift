import Foundation

/// Runs `send_notice_email`: mails a message whose text was fixed when the job was queued (an account deletion's
/// confirmation, which must reach the address after the account is gone). Sent at least once: a retry after a failure
/// between sending and recording may send it again.
struct NoticeEmailJob: JobHandler {
    static let kind = "send_notice_email"
    var kind: String { Self.kind }
    let mailer: any Mailer

    /// The message.
    struct Payload: Codable, Sendable {
        let to: String
        let subject: String
        let body: String
    }

    func run(_ job: JobRecord, context: JobContext) async throws -> String {
        guard let payload = try? JSONDecoder().decode(Payload.self, from: Data(job.payload.utf8)) else {
            throw JobFailure.permanent("unreadable payload")
        }
        try await mailer.send(MailMessage(to: payload.to, subject: payload.subject, body: payload.body, link: ""))
        return #"{"sent":true}"#
    }
}
