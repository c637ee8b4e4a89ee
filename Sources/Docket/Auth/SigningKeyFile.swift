import Crypto
import Foundation
import Logging

/// The JWKS-like file holding one signing key and any number of verification keys, shared by every node.
///
/// ```json
/// {"signing_kid": "2026-11-22-ab12", "keys": [{"kid": "...", "kty": "OKP", "crv": "Ed25519", "x": "...", "d": "..."}]}
/// ```
/// `d` (the private half) is present for keys this node may sign with; keys without it only verify.
public struct SigningKeyFile: Codable, Sendable {
    /// The kid new tokens are signed with.
    public var signingKID: String
    /// Every key, newest last.
    public var keys: [StoredKey]

    enum CodingKeys: String, CodingKey {
        case signingKID = "signing_kid"
        case keys
    }

    /// One Ed25519 key in JWK members.
    public struct StoredKey: Codable, Sendable {
        public var kid: String
        public var kty: String = "OKP"
        public var crv: String = "Ed25519"
        public var x: String
        public var d: String?
        public var createdAt: Date?

        enum CodingKeys: String, CodingKey {
            case kid, kty, crv, x, d
            case createdAt = "created_at"
        }
    }

    /// A file with one freshly generated signing key.
    static func generated(now: Date = Date()) -> SigningKeyFile {
        let key = Self.newKey(now: now)
        return SigningKeyFile(signingKID: key.kid, keys: [key])
    }

    /// Adds a new signing key and keeps the old ones for verification.
    mutating func rotate(now: Date = Date()) -> StoredKey {
        let key = Self.newKey(now: now)
        keys.append(key)
        signingKID = key.kid
        return key
    }

    private static func newKey(now: Date) -> StoredKey {
        let privateKey = Curve25519.Signing.PrivateKey()
        let stamp = ISO8601DateFormatter().string(from: now).prefix(10)
        let suffix = SecureToken.generate().prefix(8)
        return StoredKey(
            kid: "\(stamp)-\(suffix)",
            x: privateKey.publicKey.rawRepresentation.base64URLEncodedString(),
            d: privateKey.rawRepresentation.base64URLEncodedString(),
            createdAt: now
        )
    }

    /// Reads and checks a key file; one that anyone but its owner (and its group, read-only: a Kubernetes Secret
    /// volume with `fsGroup` is mode 0440) may read or write is refused: its private keys sign every access token.
    static func read(from path: String) throws -> SigningKeyFile {
        var info = stat()
        guard stat(path, &info) == 0 else { throw KeyFileError(path: path, reason: "cannot be read (errno \(errno))") }
        let mode = info.st_mode & 0o777
        guard mode & 0o027 == 0 else {
            throw KeyFileError(
                path: path,
                reason:
                    "is accessible to others (mode \(String(mode, radix: 8))); the private signing keys in it must be readable by their owner only: "
                    + "run `chmod 600 \(path)` (in Kubernetes, mount the Secret with defaultMode 0440 and fsGroup)")
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let file = try JSONDecoder.withISODates.decode(SigningKeyFile.self, from: data)
        guard let signing = file.keys.first(where: { $0.kid == file.signingKID }), signing.d != nil else {
            throw KeyFileError(path: path, reason: "signing_kid names no key with a private part (d)")
        }
        return file
    }

    /// Removes the verification-only key `kid` once no token it signed can still be valid: it stopped signing when
    /// the next key was added, and tokens live at most `tokenLifetime` (plus the clock leeway). The signing key is
    /// never retired.
    mutating func retire(_ kid: String, tokenLifetime: TimeInterval, now: Date = Date()) throws(KeyRetirementError) {
        guard let index = keys.firstIndex(where: { $0.kid == kid }) else { throw .unknown(kid) }
        guard kid != signingKID else { throw .signing(kid) }
        let successor = keys[(index + 1)...].compactMap(\.createdAt).min() ?? keys.first { $0.kid == signingKID }?.createdAt
        if let successor {
            let safe = successor.addingTimeInterval(tokenLifetime + AccessTokens.leeway)
            guard now >= safe else { throw .stillInUse(kid, until: safe) }
        }
        keys.remove(at: index)
    }

    /// Writes the file readable by its owner only.
    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let temporary = path + ".tmp"
        FileManager.default.createFile(atPath: temporary, contents: try encoder.encode(self), attributes: [.posixPermissions: 0o600])
        // rename(2) replaces atomically, so a reader never sees half a key file.
        guard rename(temporary, path) == 0 else {
            throw KeyFileError(path: path, reason: "cannot write (errno \(errno))")
        }
    }
}

extension JSONDecoder {
    static var withISODates: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
