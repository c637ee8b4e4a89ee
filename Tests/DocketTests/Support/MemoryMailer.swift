import Synchronization

@testable import Docket

/// Keeps messages in memory, so tests can read the links Docket mails.
final class MemoryMailer: Mailer {
    private let messages = Mutex<[MailMessage]>([])

    func send(_ message: MailMessage) async throws {
        messages.withLock { $0.append(message) }
    }

    /// Everything sent so far.
    var sent: [MailMessage] { messages.withLock { $0 } }
}
