import Crypto
import Foundation

/// Opaque, signed keyset cursors: the last row's sort key and id, bound to the listing they came from.
///
/// The signed text is `1|<fingerprint>|n<number>|<uuid>` or `1|<fingerprint>|t<text>|<uuid>`, base64url-encoded,
/// then `.` and a truncated HMAC-SHA256. Hand-built rather than JSON: it sits on the hot path of every listing.
struct TaskCursor: Sendable {
    /// A sort key value.
    enum Key: Sendable, Equatable {
        case number(Int64)
        case text(String)
    }

    /// Where the previous page ended.
    struct Position: Sendable, Equatable {
        let key: Key
        let id: UUID
    }

    private let key: SymmetricKey

    /// A cursor codec signing with `secret` (every node derives the same one from the shared key file).
    init(secret: SymmetricKey) {
        self.key = secret
    }

    /// The cursor string for `position` in the listing with `fingerprint`.
    func encode(_ position: Position, fingerprint: String) -> String {
        let keyText: String
        switch position.key {
        case .number(let value): keyText = "n\(value)"
        case .text(let value): keyText = "t\(value)"
        }
        let payload = Data("1|\(fingerprint.prefix(16))|\(keyText)|\(position.id.uuidString)".utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: payload, using: key)
        return payload.base64URLEncodedString() + "." + Data(mac).prefix(16).base64URLEncodedString()
    }

    /// The position in `cursor`, or a 400 problem when it was altered, is malformed or belongs to another listing.
    func decode(_ cursor: String, fingerprint: String) throws -> Position {
        let invalid = AppError(.badRequest, "The cursor is invalid or belongs to a different filter or sort; start again without it.")
        let parts = cursor.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = Data(base64URLEncoded: String(parts[0])), let mac = Data(base64URLEncoded: String(parts[1])),
            mac.count == 16,
            // Only the canonical encoding: base64 would otherwise let unused low bits of the last character vary.
            payload.base64URLEncodedString() == parts[0], mac.base64URLEncodedString() == parts[1]
        else { throw invalid }
        let expected = Data(HMAC<SHA256>.authenticationCode(for: payload, using: key)).prefix(16)
        guard SecureToken.constantTimeEquals(Array(expected), Array(mac)) else { throw invalid }
        let fields = String(decoding: payload, as: UTF8.self).split(separator: "|", omittingEmptySubsequences: false)
        guard fields.count == 4, fields[0] == "1", fields[1] == fingerprint.prefix(16), let id = UUID(uuidString: String(fields[3])),
            let kind = fields[2].first
        else { throw invalid }
        let value = fields[2].dropFirst()
        switch kind {
        case "n":
            guard let number = Int64(value) else { throw invalid }
            return Position(key: .number(number), id: id)
        case "t":
            return Position(key: .text(String(value)), id: id)
        default:
            throw invalid
        }
    }
}
