import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Sends each message over SMTP (RFC 5321): EHLO, STARTTLS (or TLS from the start), AUTH PLAIN when credentials are
/// configured (only ever over TLS), MAIL FROM, RCPT TO, DATA with dot-stuffing, QUIT. One connection per message;
/// the whole exchange has a deadline, and any reply that is not the expected one fails the send (the job retries it).
public struct SMTPMailer: Mailer {
    let settings: SMTPSettings
    let tls: NIOSSLContext
    let eventLoopGroup: any EventLoopGroup
    let timeout: TimeAmount
    let logger: Logger

    /// A mailer for `settings`; fails when the CA file cannot be read.
    public init(settings: SMTPSettings, logger: Logger, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile = settings.caFile {
            configuration.additionalTrustRoots = [.file(caFile)]
        }
        self.settings = settings
        self.tls = try NIOSSLContext(configuration: configuration)
        self.eventLoopGroup = eventLoopGroup
        self.timeout = .seconds(30)
        self.logger = logger
    }

    public func send(_ message: MailMessage) async throws {
        for field in [message.to, message.subject, settings.from] where field.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw SMTPError("a header value contains a line break")
        }
        let (tls, settings) = (self.tls, self.settings)
        let channel = try await ClientBootstrap(group: eventLoopGroup)
            .connectTimeout(.seconds(10))
            .connect(host: settings.host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if settings.security == .tls {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: settings.host))
                    }
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let deadline = channel.channel.eventLoop.scheduleTask(in: timeout) { channel.channel.close(promise: nil) }
        defer { deadline.cancel() }
        do {
            try await exchange(message, on: channel, settings: settings)
        } catch let error as ChannelError {
            // The server (or the deadline) closed the connection while a command was being written.
            throw SMTPError("the connection ended during the exchange: \(error)")
        }
        logger.info("mail sent", metadata: ["smtp_host": .string(settings.host)])
    }

    /// The SMTP conversation for `message` on an open connection, then QUIT and close.
    private func exchange(_ message: MailMessage, on channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>, settings: SMTPSettings) async throws {
        let tls = self.tls
        try await channel.executeThenClose { inbound, outbound in
            var session = SMTPSession(inbound: inbound.makeAsyncIterator(), outbound: outbound)
            try await session.expect(220)
            var capabilities = try await session.command("EHLO \(Self.heloName)", expect: 250)
            if settings.security == .startTLS {
                guard capabilities.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) else {
                    throw SMTPError("the server does not offer STARTTLS")
                }
                _ = try await session.command("STARTTLS", expect: 220)
                let handler = try NIOSSLClientHandler(context: tls, serverHostname: settings.host)
                try await channel.channel.pipeline.addHandler(handler, position: .first)
                capabilities = try await session.command("EHLO \(Self.heloName)", expect: 250)
            }
            if let username = settings.username {
                guard settings.security != .plain else { throw SMTPError("refusing to send credentials without TLS") }
                let plain = Data(([0] + Array(username.utf8) + [0] + Array((settings.password ?? "").utf8))).base64EncodedString()
                _ = try await session.command("AUTH PLAIN \(plain)", expect: 235, redacted: "AUTH PLAIN ***")
            }
            _ = try await session.command("MAIL FROM:<\(settings.from)>", expect: 250)
            _ = try await session.command("RCPT TO:<\(message.to)>", expect: 250, 251)
            _ = try await session.command("DATA", expect: 354)
            try await session.write(Self.data(of: message, from: settings.from) + "\r\n.\r\n")
            try await session.expect(250)
            _ = try? await session.command("QUIT", expect: 221)
        }
    }

    static let heloName = "docket.localhost"

    /// The message as DATA: headers, a blank line, the body with CRLF line ends and leading dots doubled.
    static func data(of message: MailMessage, from: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let date = formatter.string(from: Date())
        let headers = [
            "From: \(from)", "To: \(message.to)", "Subject: \(encodedHeader(message.subject))", "Date: \(date)",
            "Message-ID: <\(UUID().uuidString.lowercased())@\(heloName)>", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ]
        let body = message.body.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(".") ? "." + $0 : String($0) }
        return (headers + [""] + body).joined(separator: "\r\n")
    }

    /// An RFC 2047 encoded word for non-ASCII header text.
    static func encodedHeader(_ text: String) -> String {
        guard !text.allSatisfy(\.isASCII) else { return text }
        return "=?utf-8?B?\(Data(text.utf8).base64EncodedString())?="
    }
}

/// A failed SMTP exchange (never carries credentials).
struct SMTPError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
