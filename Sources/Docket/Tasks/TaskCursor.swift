import Crypto
import Foundation

/// Opaque, signed keyset cursors: the last row's sort key and id, bound to the listing they came from.
struct TaskCursor: Sendable {
    /// A sort key value.
    enum Key: Codable, Sendable, Equatable {
        case number(Int64)
        case text(String)
    }

    /// Where the previous page ended.
    struct Position: Codable, Sendable, Equatable {
        let key: Key
        let id: UUID
    }

    private struct Payload: Codable {
        let v: Int
        let f: String
        let p: Position
    }

    private let key: SymmetricKey

    /// A cursor codec signing with `secret` (every node derives the same one from the shared key file).
    init(secret: SymmetricKey) {
        self.key = secret
    }

    /// The cursor string for `position` in the listing with `fingerprint`.
    func encode(_ position: Position, fingerprint: String) -> String {
        let payload = try! JSONEncoder().encode(Payload(v: 1, f: String(fingerprint.prefix(16)), p: position))
        let mac = HMAC<SHA256>.authenticationCode(for: payload, using: key)
        return payload.base64URLEncodedString() + "." + Data(mac).base64URLEncodedString()
    }

    /// The position in `cursor`, or a 400 problem when it was altered, is malformed or belongs to another listing.
    func decode(_ cursor: String, fingerprint: String) throws -> Position {
        let invalid = AppError(.badRequest, "The cursor is invalid or belongs to a different filter or sort; start again without it.")
        let parts = cursor.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = Data(base64URLEncoded: String(parts[0])), let mac = Data(base64URLEncoded: String(parts[1])),
            HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: payload, using: key),
            let decoded = try? JSONDecoder().decode(Payload.self, from: payload), decoded.v == 1,
            decoded.f == String(fingerprint.prefix(16))
        else { throw invalid }
        return decoded.p
    }
}
