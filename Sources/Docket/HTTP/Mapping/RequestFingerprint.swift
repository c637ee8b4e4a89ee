import Crypto
import Foundation
import NIOCore

/// What tells two create requests under one `Idempotency-Key` apart: a SHA-256 of the body's raw bytes (`raw:` and hex;
/// a retry sends the same bytes). Entries stored by releases before 0.3.0 hold a hash of the body re-encoded with
/// sorted keys; that one is computed only when such an entry is replayed.
struct RequestFingerprint: Sendable {
    /// The stored form: `raw:` and the hex SHA-256 of the body's bytes.
    let stored: String
    private let legacy: @Sendable () throws -> String

    /// The fingerprint of `rawBody`; `decoded` is the same body as decoded, for entries of older releases.
    init(rawBody: ByteBuffer, decoded: some Encodable & Sendable) {
        stored = "raw:" + SecureToken.hex(SHA256.hash(data: rawBody.readableBytesView))
        legacy = { try Self.canonical(decoded) }
    }

    /// Whether `entry` (a stored fingerprint, of this release or an older one) is this request's.
    func matches(_ entry: String) throws -> Bool {
        SecureToken.constantTimeEquals(entry, entry.hasPrefix("raw:") ? stored : try legacy())
    }

    private static func canonical(_ body: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return SecureToken.hash(String(decoding: try encoder.encode(body), as: UTF8.self))
    }
}
