import Foundation

/// A SHA-256 of a request body in a canonical JSON form (sorted keys), so the same request sent twice hashes the same
/// even when the retry serialised its keys in another order (Swift's `JSONEncoder` orders a dictionary's keys
/// differently from one process to the next). Computed only for requests that carry an `Idempotency-Key`.
enum RequestFingerprint {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// The fingerprint of a decoded body (unchanged since the first release: stored fingerprints must still match).
    static func of(_ body: some Encodable) throws -> String {
        SecureToken.hash(String(decoding: try encoder.encode(body), as: UTF8.self))
    }
}
