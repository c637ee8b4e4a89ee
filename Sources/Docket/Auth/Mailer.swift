import Foundation
import Logging
import Synchronization

/// An email to send.
public struct MailMessage: Sendable, Equatable {
    public let to: String
    public let subject: String
    public let body: String
    /// The link the message carries (verification or reset).
    public let link: String
}

/// Sends messages; the default writes them to an outbox file, tests keep them in memory.
public protocol Mailer: Sendable {
    /// Delivers one message.
    func send(_ message: MailMessage) async throws
}

/// Appends each message to `outbox.log` in the data directory, so a developer can follow links locally.
public struct OutboxFileMailer: Mailer {
    let path: String
    let logger: Logger

    /// A mailer writing to `<dataDirectory>/outbox.log`.
    public init(dataDirectory: String, logger: Logger) {
        self.path = (dataDirectory as NSString).appendingPathComponent("outbox.log")
        self.logger = logger
    }

    public func send(_ message: MailMessage) async throws {
        let entry = "----- \(ISO8601DateFormatter().string(from: Date()))\nTo: \(message.to)\nSubject: \(message.subject)\n\n\(message.body)\n\n"
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(entry.utf8))
        logger.info("message written to outbox", metadata: ["subject": .string(message.subject)])
    }
}

/// Keeps messages in memory, for tests.
public final class MemoryMailer: Mailer {
    private let messages = Mutex<[MailMessage]>([])

    public init() {}

    public func send(_ message: MailMessage) async throws {
        messages.withLock { $0.append(message) }
    }

    /// Everything sent so far.
    public var sent: [MailMessage] { messages.withLock { $0 } }
}
