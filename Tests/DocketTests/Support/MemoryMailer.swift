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

    /// Waits (up to 10 s) until `count` messages have been sent (emails go out from a job), and returns them all.
    @discardableResult
    func waitForMessages(_ count: Int) async throws -> [MailMessage] {
        let deadline = ContinuousClock.now + .seconds(10)
        while sent.count < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        return sent
    }
}
