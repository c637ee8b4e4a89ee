import Foundation
import Logging
import Testing

@testable import Docket

/// A real SMTP server for the test: `scripts/smtp_sink.py` (aiosmtpd) with STARTTLS and AUTH required, a certificate
/// made for the occasion, messages written to a folder. (Unchecked Sendable: every property is set once in `init`.)
final class SMTPSink: @unchecked Sendable {
    let port: Int
    let directory: URL
    let certificate: String
    private let process: Process
    private let input: Pipe

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("docket-smtp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost", "-keyout", key, "-out", certificate,
        ]
        openssl.standardError = FileHandle.nullDevice
        try DocketProcess.spawn(openssl)
        openssl.waitUntilExit()
        port = Int.random(in: 30_000..<50_000)
        process = Process()
        input = Pipe()
        let output = Pipe()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", root.appendingPathComponent("scripts/smtp_sink.py").path, String(port), certificate, key, "docket", "sink-Password-1",
            directory.appendingPathComponent("mail").path,
        ]
        process.standardInput = input
        process.standardOutput = output
        try DocketProcess.spawn(process)
        let ready = output.fileHandleForReading.availableData
        guard String(decoding: ready, as: UTF8.self).contains("ready") else { throw CocoaError(.fileReadUnknown) }
    }

    /// The settings that reach this sink (the password may be changed to test a refusal).
    func settings(password: String = "sink-Password-1") -> SMTPSettings {
        SMTPSettings(
            host: "localhost", port: port, security: .startTLS, username: "docket", password: password, from: "docket@example.com",
            caFile: certificate)
    }

    /// The messages received so far, waiting up to 10 s for at least `count`.
    func messages(atLeast count: Int) async throws -> [String] {
        let folder = directory.appendingPathComponent("mail")
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".eml") }.sorted()
            if names.count >= count || ContinuousClock.now > deadline {
                return try names.map { try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }
}

@Suite("Email over SMTP (STARTTLS and AUTH against a local aiosmtpd sink)")
struct SMTPMailerTests {
    @Test("a password reset is mailed over STARTTLS with AUTH, and its link resets the password")
    func resetOverSMTP() async throws {
        let sink = try SMTPSink()
        var app = try await TestApp.make(.sqlite)
        app.realMailer = try SMTPMailer(settings: sink.settings(), logger: Logger(label: "smtp-test"))
        try await app.run { client, _ in
            let tokens = try await client.register()
            #expect(try await client.send(.post, "/api/v1/auth/password-reset", json: ["email": tokens.user.email]).status == .accepted)
            let message = try #require(try await sink.messages(atLeast: 1).first)
            #expect(message.contains("X-Sink-TLS: yes") && message.contains("X-Sink-Auth: True"))
            #expect(message.contains("X-Sink-Rcpt-To: \(tokens.user.email)") && message.contains("Subject: Reset your Docket password"))
            let token = try #require(
                message.components(separatedBy: "token=").last?.trimmingCharacters(in: .whitespacesAndNewlines).components(separatedBy: "\r\n").first)
            let confirm = try await client.send(
                .post, "/api/v1/auth/password-reset/confirm", json: ["token": token, "new_password": "Mailed-Pass-7"])
            #expect(confirm.status == .noContent)
            #expect(try await client.login(email: tokens.user.email, password: "Mailed-Pass-7").status == .ok)
        }
    }

    @Test("wrong credentials, or a server without STARTTLS trust, fail the send (the job retries it); nothing is delivered")
    func refusals() async throws {
        let sink = try SMTPSink()
        let message = MailMessage(to: "someone@example.com", subject: "Hi", body: ".leading dot\nline two", link: "x")
        await #expect(throws: SMTPError.self) {
            try await SMTPMailer(settings: sink.settings(password: "wrong"), logger: Logger(label: "t")).send(message)
        }
        var untrusted = sink.settings()
        untrusted.caFile = nil
        await #expect(throws: (any Error).self) { try await SMTPMailer(settings: untrusted, logger: Logger(label: "t")).send(message) }
        #expect(try await sink.messages(atLeast: 0).isEmpty)
        try await SMTPMailer(settings: sink.settings(), logger: Logger(label: "t")).send(message)
        let delivered = try #require(try await sink.messages(atLeast: 1).first)
        // Dot-stuffing: a body line starting with a dot arrives intact.
        #expect(delivered.contains("\r\n.leading dot\r\nline two"))
    }

    @Test("DOCKET_SMTP_URL: STARTTLS by default, TLS for smtps, plain only to this machine, a sender required")
    func configuration() throws {
        let config = try DocketConfig.load(from: ["DOCKET_SMTP_URL": "smtp://me:p%40ss@mail.example.com", "DOCKET_SMTP_FROM": "docket@example.com"])
        #expect(config.smtp?.security == .startTLS && config.smtp?.port == 587 && config.smtp?.password == "p@ss")
        #expect(try DocketConfig.load(from: ["DOCKET_SMTP_URL": "smtps://mail.example.com", "DOCKET_SMTP_FROM": "a@example.com"]).smtp?.port == 465)
        #expect(throws: ConfigError.self) { try DocketConfig.load(from: ["DOCKET_SMTP_URL": "smtp://mail.example.com"]) }
        #expect(throws: ConfigError.self) {
            try DocketConfig.load(from: ["DOCKET_SMTP_URL": "smtp://mail.example.com?tls=none", "DOCKET_SMTP_FROM": "a@example.com"])
        }
        #expect(
            try DocketConfig.load(from: ["DOCKET_SMTP_URL": "smtp://127.0.0.1:25?tls=none", "DOCKET_SMTP_FROM": "a@example.com"]).smtp?.security
                == .plain)
        #expect(try DocketConfig.load(from: [:]).smtp == nil)
    }
}
