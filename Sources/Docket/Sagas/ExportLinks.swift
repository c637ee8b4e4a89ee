import Crypto
import Foundation

/// Signs and checks export download links: `…/api/v1/exports/<id>?expires=<unix seconds>&signature=<base64url
/// HMAC-SHA256 of "<id>.<expires>">`. Every node sharing the key file agrees; a link is good until it expires, and the
/// download itself is single-use (the export records its first download). It also signs the link an account's owner
/// follows their deletion by (`/api/v1/sagas/<id>?expires=…&signature=…`, HMAC of "saga:<id>.<expires>", so neither
/// kind of signature passes for the other).
struct ExportLinks: Sendable {
    let secret: SymmetricKey
    /// The base URL clients reach the API at.
    let publicURL: String

    /// The download link for `export`, good until `expires` (Unix seconds).
    func link(for export: UUID, expires: Int64) -> String {
        "\(publicURL)/api/v1/exports/\(export.uuidString.lowercased())?expires=\(expires)&signature=\(signature(export, expires))"
    }

    /// Whether `signature` is this server's for `export` and `expires` (compared in constant time).
    func verify(_ export: UUID, expires: Int64, signature: String) -> Bool {
        guard let given = Data(base64URLEncoded: signature) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: Self.message(export, expires), using: secret)
    }

    /// The path that shows saga `saga` to whoever holds it until `expires` (Unix seconds), with no token.
    func sagaLocation(for saga: UUID, expires: Int64) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Self.sagaMessage(saga, expires), using: secret)
        return "/api/v1/sagas/\(saga.uuidString.lowercased())?expires=\(expires)&signature=\(Data(code).base64URLEncodedString())"
    }

    /// Whether `signature` is this server's for the saga link of `saga` and `expires` (compared in constant time).
    func verifySaga(_ saga: UUID, expires: Int64, signature: String) -> Bool {
        guard let given = Data(base64URLEncoded: signature) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: Self.sagaMessage(saga, expires), using: secret)
    }

    private static func sagaMessage(_ saga: UUID, _ expires: Int64) -> Data {
        Data("saga:\(saga.uuidString.lowercased()).\(expires)".utf8)
    }

    private func signature(_ export: UUID, _ expires: Int64) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Self.message(export, expires), using: secret)).base64URLEncodedString()
    }

    private static func message(_ export: UUID, _ expires: Int64) -> Data {
        Data("\(export.uuidString.lowercased()).\(expires)".utf8)
    }
}
