import Foundation

extension DocketConfig {
    /// Checks what the configuration names outside itself before `docket serve` writes anything (a key, the database):
    /// the TLS certificate and key are readable, and a configured key file is usable (owner-only, with a signing key).
    /// - Throws: `ConfigError` naming the variable.
    public func preflight() throws(ConfigError) {
        for (variable, path) in [("DOCKET_TLS_CERT_FILE", server.tlsCertificateFile), ("DOCKET_TLS_KEY_FILE", server.tlsKeyFile)] {
            guard let path else { continue }
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw ConfigError(variable: variable, problem: "\(path) does not exist or cannot be read")
            }
        }
        if let path = auth.keysFile {
            do {
                _ = try SigningKeyFile.read(from: path)
            } catch {
                throw ConfigError(variable: "DOCKET_JWT_KEYS_FILE", problem: "\(error)")
            }
        }
    }
}
