import Foundation
import Logging

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
