import Crypto
import Foundation

/// Standard Webhooks signing: secrets are `whsec_` + base64 of 32 random bytes; a signature is `v1,` + base64 of
/// HMAC-SHA256 over `<id>.<timestamp>.<body>` keyed with the secret's bytes.
enum WebhookSignature {
    /// A new secret.
    static func newSecret() -> String {
        "whsec_" + Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64EncodedString()
    }

    /// The `webhook-signature` header value for `secrets` (several during a rotation's overlap, space-separated).
    static func header(id: String, timestamp: Int64, body: [UInt8], secrets: [String]) -> String {
        secrets.compactMap { sign(id: id, timestamp: timestamp, body: body, secret: $0) }.joined(separator: " ")
    }

    /// One `v1,` signature, or nil for a malformed secret.
    static func sign(id: String, timestamp: Int64, body: [UInt8], secret: String) -> String? {
        guard secret.hasPrefix("whsec_"), let key = Data(base64Encoded: String(secret.dropFirst(6))) else { return nil }
        var message = Array("\(id).\(timestamp).".utf8)
        message += body
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key))
        return "v1," + Data(mac).base64EncodedString()
    }
}
