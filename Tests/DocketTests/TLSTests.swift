import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Docket

@Suite("TLS termination")
struct TLSTests {
    /// A throwaway self-signed certificate and key, made with the openssl command.
    static func selfSignedCertificate() throws -> (certificate: String, key: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("docket-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-keyout", key, "-out", certificate,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try DocketProcess.spawn(process)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "openssl could not make a certificate")
        return (certificate, key)
    }

    @Test("with a certificate configured, Docket serves HTTPS and sends HSTS")
    func servesHTTPS() async throws {
        let files = try Self.selfSignedCertificate()
        try await TestApp.make(.sqlite) { config in
            config.server.tlsCertificateFile = files.certificate
            config.server.tlsKeyFile = files.key
        }.run(.ahc(.https)) { client, _ in
            let response = try await client.send(.get, "/health")
            #expect(response.status == .ok)
            #expect(response.headers[HTTPField.Name("Strict-Transport-Security")!] == "max-age=31536000; includeSubDomains")
            let tokens = try await client.register()
            #expect(try await client.me(tokens.accessToken).status == .ok)
        }
    }
}
