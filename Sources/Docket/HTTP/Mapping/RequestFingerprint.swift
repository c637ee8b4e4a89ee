import Foundation

/// A SHA-256 of a request body in a canonical JSON form (sorted keys), so the same request sent twice hashes the same.
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
