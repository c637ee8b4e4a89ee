import Foundation
import Logging
import Synchronization

/// Sends messages; the default writes them to an outbox file, tests keep them in memory.
public protocol Mailer: Sendable {
    /// Delivers one message.
    func send(_ message: MailMessage) async throws
}
